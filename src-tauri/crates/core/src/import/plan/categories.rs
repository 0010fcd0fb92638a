//! Category paths of a file found in the catalogue (ignoring case and accents), or
//! planned for creation under the deepest existing ancestor they name.

use std::collections::HashMap;

use super::{CategoryChoice, CategoryRef, NewCategory};
use crate::catalogue::Category;
use crate::text::fold;

/// Finds categories by path (ignoring case and accents), or plans their creation
/// under the deepest existing ancestor the path names.
pub(super) struct CategoryResolver<'a> {
    categories: Vec<(Vec<String>, &'a Category)>,
    user: HashMap<String, Option<i64>>,
    cache: HashMap<Vec<String>, CategoryRef>,
}

impl<'a> CategoryResolver<'a> {
    pub(super) fn new(categories: &'a [Category], choices: &[CategoryChoice]) -> Self {
        let sep = crate::storage::PATH_SEP;
        Self {
            categories: categories.iter().map(|c| (c.path.split(sep).map(fold).collect(), c)).collect(),
            user: choices
                .iter()
                .map(|c| {
                    (c.name.split(['›', '>', '/']).map(|s| fold(s.trim())).collect::<Vec<_>>().join("/"), c.category_id)
                })
                .collect(),
            cache: HashMap::new(),
        }
    }

    pub(super) fn resolve(&mut self, path: &[String], new: &mut Vec<NewCategory>) -> CategoryRef {
        // "Épicerie/Confitures" is a path, unless a category is named so ("Boissons/Cave").
        let expanded: Vec<String>;
        let path = if path.iter().any(|s| s.contains('/')) {
            expanded = path
                .iter()
                .flat_map(|seg| {
                    let f = fold(seg);
                    if self.categories.iter().any(|(parts, _)| parts.last() == Some(&f)) {
                        vec![seg.clone()]
                    } else {
                        seg.split('/').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
                    }
                })
                .collect();
            &expanded[..]
        } else {
            path
        };
        let folded: Vec<String> = path.iter().map(|s| fold(s)).collect();
        if let Some(r) = self.cache.get(&folded) {
            return *r;
        }
        let r = if let Some(choice) = self.user.get(&folded.join("/")) {
            choice.map_or(CategoryRef::None, CategoryRef::Existing)
        } else {
            let mut found = (0, CategoryRef::None);
            for k in (1..=folded.len()).rev() {
                let prefix = &folded[..k];
                let matches: Vec<&&Category> =
                    self.categories.iter().filter(|(parts, _)| parts.ends_with(prefix)).map(|(_, c)| c).collect();
                let pick = match matches.as_slice() {
                    [] => None,
                    [one] => Some(one.id),
                    many => Some(many.iter().find(|c| c.depth as usize + 1 == k).map_or(many[0].id, |c| c.id)),
                };
                if let Some(id) = pick {
                    found = (k, CategoryRef::Existing(id));
                    break;
                }
            }
            let (k, mut parent) = found;
            let path_written = path.join(crate::storage::PATH_SEP);
            for name in path.iter().skip(k) {
                let folded_name = fold(name);
                let existing = new.iter().position(|c| c.parent == parent && fold(&c.name) == folded_name);
                parent = CategoryRef::New(existing.unwrap_or_else(|| {
                    let parent_path = match parent {
                        CategoryRef::None => String::new(),
                        CategoryRef::Existing(id) => self
                            .categories
                            .iter()
                            .find(|(_, c)| c.id == id)
                            .map(|(_, c)| c.path.clone())
                            .unwrap_or_default(),
                        CategoryRef::New(i) => new[i].path.clone(),
                    };
                    let path = if parent_path.is_empty() {
                        name.trim().to_owned()
                    } else {
                        format!("{parent_path}{}{}", crate::storage::PATH_SEP, name.trim())
                    };
                    let written = path_written.clone();
                    new.push(NewCategory { name: name.trim().to_owned(), parent, path, written });
                    new.len() - 1
                }));
            }
            parent
        };
        self.cache.insert(folded, r);
        r
    }
}
