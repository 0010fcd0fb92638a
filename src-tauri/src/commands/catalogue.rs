use comptoir_core::catalogue::{
    Category, CategoryInput, Product, ProductFilter, ProductInput, ProductPage, ProductPreview,
};
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_products(state: State<'_, AppState>, filter: ProductFilter) -> CmdResult<ProductPage> {
    Ok(comptoir_core::promotions::product_page(&state.db, &filter, now()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_product(state: State<'_, AppState>, id: i64) -> CmdResult<Product> {
    Ok(state.db.product(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_product(state: State<'_, AppState>, input: ProductInput) -> CmdResult<Product> {
    let p = state.db.save_product(&input, now()).await?;
    state.changed();
    Ok(p)
}

/// What the editor shows while typing: unit prices, what publishing would need, the
/// allergens in the ingredients. Nothing is saved.
#[tauri::command]
#[specta::specta]
pub fn preview_product(input: ProductInput) -> ProductPreview {
    comptoir_core::catalogue::preview(&input)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_product(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.db.delete_product(id).await?;
    state.changed();
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn list_categories(state: State<'_, AppState>) -> CmdResult<Vec<Category>> {
    Ok(state.db.categories().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_category(state: State<'_, AppState>, input: CategoryInput) -> CmdResult<Category> {
    let c = state.db.save_category(&input, now()).await?;
    state.changed();
    Ok(c)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_category(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.db.delete_category(id).await?;
    state.changed();
    Ok(())
}
