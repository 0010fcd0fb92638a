use comptoir_core::catalogue::{Category, CategoryInput, Product, ProductFilter, ProductInput, ProductPage};
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_products(state: State<'_, AppState>, filter: ProductFilter) -> CmdResult<ProductPage> {
    Ok(state.db.list_products(&filter).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_product(state: State<'_, AppState>, id: i64) -> CmdResult<Product> {
    Ok(state.db.product(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_product(state: State<'_, AppState>, input: ProductInput) -> CmdResult<Product> {
    Ok(state.db.save_product(&input, now()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_product(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    Ok(state.db.delete_product(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_categories(state: State<'_, AppState>) -> CmdResult<Vec<Category>> {
    Ok(state.db.categories().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_category(state: State<'_, AppState>, input: CategoryInput) -> CmdResult<Category> {
    Ok(state.db.save_category(&input, now()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_category(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    Ok(state.db.delete_category(id).await?)
}
