//! Plain values: what a product, an import's writes, an order, a photo or a price's
//! history is, with no rule attached. Storage reads and writes these and depends on
//! nothing else of Comptoir but the value modules (`error`, `money`, `vat`, `text`,
//! `ean`, `paths`); the feature modules make and check them, and re-export each type
//! under its old path (`catalogue::Product`, `photos::NewPhoto`…).

pub mod catalogue;
pub mod import;
pub mod orders;
pub mod photos;
pub mod promotions;
pub mod stored;
