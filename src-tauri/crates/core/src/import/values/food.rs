//! The food cells of a row (Reg. (EU) 1169/2011: ingredients, allergens, storage,
//! and origin, producer, quality labels, alcoholic strength), and the cells the export
//! writes them back as.

use super::{CellOf, TextOf};
use crate::catalogue::food::{abv_text, allergens_text, parse_abv, parse_allergens, parse_labels};
use crate::catalogue::{Allergen, FoodInfo};
use crate::import::map::Field;
use crate::import::read::{Cell, number_to_string};

/// The food cells of a row; `None`: the column is absent or the cell empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoodCells {
    pub ingredients: Option<String>,
    pub allergens: Option<Vec<Allergen>>,
    pub storage: Option<String>,
    pub origin: Option<String>,
    pub producer: Option<String>,
    pub labels: Option<Vec<String>>,
    pub abv_tenths: Option<u16>,
}

impl FoodCells {
    pub fn is_empty(&self) -> bool {
        *self == FoodCells::default()
    }

    /// Cells only food has (ingredients, allergens, storage, strength). Origin, producer
    /// and labels alone do not make a product food: a potter's « Origine : Orne » must
    /// not turn his published pots into drafts awaiting allergens.
    pub fn says_food(&self) -> bool {
        self.ingredients.is_some() || self.allergens.is_some() || self.storage.is_some() || self.abv_tenths.is_some()
    }

    /// Each cell this row leaves empty taken from `other` (a later row of the product).
    pub fn or(&mut self, other: &FoodCells) {
        fn fill<T: Clone>(a: &mut Option<T>, b: &Option<T>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        fill(&mut self.ingredients, &other.ingredients);
        fill(&mut self.allergens, &other.allergens);
        fill(&mut self.storage, &other.storage);
        fill(&mut self.origin, &other.origin);
        fill(&mut self.producer, &other.producer);
        fill(&mut self.labels, &other.labels);
        fill(&mut self.abv_tenths, &other.abv_tenths);
    }

    /// Writes the filled cells over `food`; the empty ones leave what it holds.
    pub fn apply(&self, food: &mut FoodInfo) {
        if let Some(v) = &self.ingredients {
            food.ingredients.clone_from(v);
        }
        if let Some(v) = &self.allergens {
            food.allergens = Some(v.clone());
        }
        if let Some(v) = &self.storage {
            food.storage.clone_from(v);
        }
        if let Some(v) = &self.origin {
            food.origin.clone_from(v);
        }
        if let Some(v) = &self.producer {
            food.producer.clone_from(v);
        }
        if let Some(v) = &self.labels {
            food.labels.clone_from(v);
        }
        if let Some(v) = self.abv_tenths {
            food.abv_tenths = Some(v);
        }
    }
}

/// The food columns of a row.
pub(super) fn read_food(cell: &CellOf<'_>, text: &TextOf<'_>, err: &mut dyn FnMut(Field, &str, String)) -> FoodCells {
    let mut food = FoodCells {
        ingredients: text(Field::Ingredients),
        storage: text(Field::Storage),
        origin: text(Field::Origin),
        producer: text(Field::Producer),
        labels: text(Field::Labels).map(|t| parse_labels(&t)).filter(|l| !l.is_empty()),
        ..FoodCells::default()
    };
    if let Some(t) = text(Field::Allergens) {
        match parse_allergens(&t) {
            Ok(list) => food.allergens = Some(list),
            Err(unknown) => {
                let names: Vec<&str> = Allergen::ALL.iter().map(|a| a.label()).collect();
                err(
                    Field::Allergens,
                    "allergens_invalid",
                    format!(
                        "Allergène inconnu : {} (allergènes de la liste réglementaire : {}, ou « aucun »)",
                        unknown.iter().map(|u| format!("« {u} »")).collect::<Vec<_>>().join(", "),
                        names.join(", ")
                    ),
                );
            }
        }
    }
    if let Some(c) = cell(Field::Abv) {
        let tenths = match c {
            // « 12 % » typed in French Excel is the number 0,12 shown as a percentage.
            Cell::Number(n) if (0.0..1.0).contains(n) => parse_abv(&number_to_string(n * 100.0)),
            Cell::Number(n) => parse_abv(&number_to_string(*n)),
            other => parse_abv(&other.display()),
        };
        match tenths {
            Some(t) => food.abv_tenths = Some(t),
            None => err(Field::Abv, "abv_invalid", "Degré d'alcool illisible (exemples : 5,5 % vol, 12 %)".into()),
        }
    }
    food
}

/// The food information as the export writes it, cell by cell (the order of its
/// columns: Ingrédients, Allergènes, Conservation, Origine, Producteur, Label, Degré).
pub fn food_cells_text(food: Option<&FoodInfo>) -> [String; 7] {
    let Some(f) = food else { return Default::default() };
    [
        f.ingredients.clone(),
        f.allergens.as_deref().map(allergens_text).unwrap_or_default(),
        f.storage.clone(),
        f.origin.clone(),
        f.producer.clone(),
        f.labels.join(", "),
        f.abv_tenths.map(abv_text).unwrap_or_default(),
    ]
}
