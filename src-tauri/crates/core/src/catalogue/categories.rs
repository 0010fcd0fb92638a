//! What a category may be: a name, a place in the tree that exists and is not under
//! itself, unique among its siblings; and a category is deleted only once empty.
//! Checked inside the write's transaction, from the facts storage reads there
//! (`Db::write_category`, `Db::delete_category_if`), so no concurrent change slips
//! between the check and the write.

use chrono::{DateTime, Utc};

use super::{Category, CategoryInput};
use crate::storage::{CategoryContents, CategorySpot};
use crate::{Db, Error, Result};

/// The name as stored: trimmed, and required.
fn category_name(input: &CategoryInput) -> Result<&str> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "required", "Le nom de la catégorie est obligatoire"));
    }
    Ok(name)
}

/// Whether the category may go where `spot` says, in the order a person reads the
/// refusals: the parent first, then the category itself, then its name.
fn check_spot(input: &CategoryInput, name: &str, spot: &CategorySpot) -> Result<()> {
    if let Some(parent) = input.parent_id {
        if spot.parent_chain.is_empty() {
            return Err(Error::not_found("Catégorie parente", parent));
        }
        // Moving a category under itself or one of its descendants would make a cycle:
        // it would be one of its new parent's ancestors.
        if let Some(id) = input.id
            && spot.parent_chain.contains(&id)
        {
            return Err(Error::invalid(
                "parent_id",
                "cycle",
                "Une catégorie ne peut pas être rangée dans elle-même ou dans une de ses sous-catégories",
            ));
        }
    }
    if !spot.exists {
        return Err(Error::not_found("Catégorie", input.id.unwrap_or_default()));
    }
    if spot.name_taken {
        return Err(Error::invalid("name", "taken", format!("Une catégorie « {name} » existe déjà à cet endroit")));
    }
    Ok(())
}

/// A category that still holds products or sub-categories is refused rather than
/// emptied: nothing the shopkeeper filed disappears silently.
fn check_empty(c: &CategoryContents) -> Result<()> {
    if c.products > 0 || c.children > 0 {
        return Err(Error::Conflict(format!(
            "La catégorie « {} » contient encore {} produit(s) et {} sous-catégorie(s) : déplacez-les d'abord",
            c.name, c.products, c.children
        )));
    }
    Ok(())
}

impl Db {
    /// Creates or changes a category, once valid; returns it with its path.
    pub async fn save_category(&self, input: &CategoryInput, now: DateTime<Utc>) -> Result<Category> {
        let name = category_name(input)?;
        let id = self.write_category(input, name, now, |spot| check_spot(input, name, spot)).await?;
        self.categories().await?.into_iter().find(|c| c.id == id).ok_or_else(|| Error::not_found("Catégorie", id))
    }

    /// Deletes an empty category.
    pub async fn delete_category(&self, id: i64) -> Result<()> {
        self.delete_category_if(id, check_empty).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: Option<i64>, parent_id: Option<i64>) -> CategoryInput {
        CategoryInput { id, name: "Crèmerie".into(), parent_id }
    }

    fn spot(parent_chain: &[i64]) -> CategorySpot {
        CategorySpot { exists: true, parent_chain: parent_chain.to_vec(), name_taken: false }
    }

    #[test]
    fn a_category_goes_under_neither_itself_nor_its_descendants() {
        let err = check_spot(&input(Some(3), Some(3)), "Crèmerie", &spot(&[3])).unwrap_err();
        assert!(err.to_string().contains("dans elle-même"), "{err}");
        // 7 is under 5, itself under 3: 3 cannot move under 7.
        assert!(check_spot(&input(Some(3), Some(7)), "Crèmerie", &spot(&[7, 5, 3])).is_err());
        assert!(check_spot(&input(Some(5), Some(3)), "Crèmerie", &spot(&[3])).is_ok());
        // A new category has no descendants.
        assert!(check_spot(&input(None, Some(3)), "Crèmerie", &spot(&[3])).is_ok());
    }

    #[test]
    fn the_parent_is_checked_before_the_category_and_its_name() {
        let missing = CategorySpot { exists: false, parent_chain: vec![], name_taken: true };
        let err = check_spot(&input(Some(3), Some(9)), "Crèmerie", &missing).unwrap_err();
        assert!(matches!(err, Error::NotFound { what: "Catégorie parente", .. }), "{err:?}");
        let err = check_spot(&input(Some(3), None), "Crèmerie", &missing).unwrap_err();
        assert!(matches!(err, Error::NotFound { what: "Catégorie", .. }), "{err:?}");
        let taken = CategorySpot { exists: true, parent_chain: vec![], name_taken: true };
        let err = check_spot(&input(None, None), "Crèmerie", &taken).unwrap_err();
        assert_eq!(err.to_string(), "Saisie invalide : Une catégorie « Crèmerie » existe déjà à cet endroit");
    }

    #[test]
    fn a_blank_name_is_refused_and_a_name_is_trimmed() {
        let blank = CategoryInput { id: None, name: "  ".into(), parent_id: None };
        assert!(category_name(&blank).is_err());
        let padded = CategoryInput { id: None, name: " Cave ".into(), parent_id: None };
        assert_eq!(category_name(&padded).unwrap(), "Cave");
    }
}
