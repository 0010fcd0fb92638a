//! The fields a column can fill: the export's orders of them, their French labels,
//! and the headers (folded, French and English) that name each.

use super::Field;

impl Field {
    /// The food columns, in the export's order (Ingrédients … Degré).
    pub const FOOD: [Field; 7] = [
        Field::Ingredients,
        Field::Allergens,
        Field::Storage,
        Field::Origin,
        Field::Producer,
        Field::Labels,
        Field::Abv,
    ];

    /// The promotion columns, in the export's order (Prix promo … Fin promo).
    pub const PROMOTION: [Field; 4] = [Field::PromoPrice, Field::Discount, Field::PromoStart, Field::PromoEnd];

    pub const ALL: [Field; 36] = [
        Field::Sku,
        Field::Name,
        Field::PriceTtc,
        Field::PriceHt,
        Field::Vat,
        Field::Stock,
        Field::Category,
        Field::Subcategory,
        Field::Ean,
        Field::Description,
        Field::Unit,
        Field::Packaging,
        Field::Weight,
        Field::Volume,
        Field::Size,
        Field::Color,
        Field::Options,
        Field::Photo,
        Field::Status,
        Field::Group,
        Field::Kind,
        Field::Duration,
        Field::Sessions,
        Field::LeadTime,
        Field::StockPolicy,
        Field::Ingredients,
        Field::Allergens,
        Field::Storage,
        Field::Origin,
        Field::Producer,
        Field::Labels,
        Field::Abv,
        Field::PromoPrice,
        Field::Discount,
        Field::PromoStart,
        Field::PromoEnd,
    ];

    /// Index in [`Field::ALL`] (the order of the enum).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Columns whose value is the food information of the product: one filled makes
    /// the product food.
    pub fn is_food(self) -> bool {
        matches!(
            self,
            Field::Ingredients
                | Field::Allergens
                | Field::Storage
                | Field::Origin
                | Field::Producer
                | Field::Labels
                | Field::Abv
        )
    }

    /// French name, as the mapping screen and the error messages show it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Sku => "Référence",
            Field::Name => "Désignation",
            Field::PriceTtc => "Prix TTC",
            Field::PriceHt => "Prix HT",
            Field::Vat => "TVA",
            Field::Stock => "Stock",
            Field::Category => "Catégorie",
            Field::Subcategory => "Sous-catégorie",
            Field::Ean => "Code EAN",
            Field::Description => "Description",
            Field::Unit => "Unité",
            Field::Packaging => "Conditionnement",
            Field::Weight => "Poids",
            Field::Volume => "Contenance",
            Field::Size => "Taille",
            Field::Color => "Couleur",
            Field::Options => "Options",
            Field::Photo => "Photo",
            Field::Status => "Statut",
            Field::Group => "Code produit",
            Field::Kind => "Type",
            Field::Duration => "Durée",
            Field::Sessions => "Séances",
            Field::LeadTime => "Délai",
            Field::StockPolicy => "Gestion du stock",
            Field::Ingredients => "Ingrédients",
            Field::Allergens => "Allergènes",
            Field::Storage => "Conservation",
            Field::Origin => "Origine",
            Field::Producer => "Producteur",
            Field::Labels => "Label",
            Field::Abv => "Degré",
            Field::PromoPrice => "Prix promo",
            Field::Discount => "Remise",
            Field::PromoStart => "Début promo",
            Field::PromoEnd => "Fin promo",
        }
    }

    pub(super) fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Sku => &[
                "reference",
                "ref",
                "reference article",
                "ref article",
                "code article",
                "sku",
                "code",
                "code interne",
                "item code",
                "product code",
                "article code",
                "reference produit",
            ],
            Field::Name => &[
                "designation",
                "libelle",
                "produit",
                "nom",
                "nom du produit",
                "nom produit",
                "article",
                "intitule",
                "name",
                "product",
                "product name",
                "title",
                "libelle article",
                "designation article",
            ],
            Field::PriceTtc => &[
                "prix ttc",
                "prix de vente",
                "prix de vente ttc",
                "pv ttc",
                "pv",
                "prix",
                "prix vente",
                "prix vente ttc",
                "prix unitaire ttc",
                "prix public",
                "pvc",
                "tarif",
                "price",
                "unit price",
                "retail price",
            ],
            Field::PriceHt => &[
                "prix ht",
                "pv ht",
                "prix de vente ht",
                "prix vente ht",
                "prix unitaire ht",
                "tarif ht",
                "price excl tax",
                "price ex vat",
                "net price",
            ],
            Field::Vat => &["tva", "taux tva", "taux de tva", "tx tva", "vat", "vat rate", "tax", "tax rate"],
            Field::Stock => &[
                "quantite",
                "qte",
                "stock",
                "quantity",
                "qty",
                "stock actuel",
                "quantite en stock",
                "qte stock",
                "en stock",
                "inventaire",
            ],
            Field::Category => &["famille", "rayon", "categorie", "category", "categ", "departement", "department"],
            Field::Subcategory => {
                &["sous famille", "sous categorie", "sous rayon", "subcategory", "sub category", "sous categ"]
            }
            Field::Ean => &[
                "ean",
                "ean13",
                "ean 13",
                "code ean",
                "code barres",
                "code barre",
                "codes barres",
                "gtin",
                "barcode",
                "upc",
            ],
            Field::Description => &["description", "descriptif", "description longue", "details", "detail"],
            Field::Unit => &["unite", "unit", "unite de vente", "uv", "vendu au", "vendu a la", "vente au"],
            Field::Packaging => &["conditionnement", "emballage", "packaging", "contenant"],
            Field::Weight => &["poids", "weight", "poids net", "masse", "net weight", "poids net egoutte"],
            Field::Volume => &[
                "contenance",
                "volume",
                "capacite",
                "quantite nette",
                "qte nette",
                "net quantity",
                "volume net",
                "contenance nette",
            ],
            Field::Size => &["taille", "size", "pointure"],
            Field::Color => &["couleur", "color", "colour", "coloris", "teinte"],
            Field::Options => &["options", "option", "declinaison", "declinaisons", "variante", "variantes"],
            Field::Photo => &["photo", "photos", "image", "images", "visuel", "visuels", "picture"],
            Field::Status => &["statut", "status", "etat", "publication"],
            Field::Group => &["code produit", "produit parent", "parent", "groupe", "modele", "product id"],
            Field::Kind => &[
                "type",
                "type de produit",
                "type produit",
                "type d article",
                "nature",
                "produit ou service",
                "kind",
                "product type",
            ],
            Field::Duration => {
                &["duree", "duree de la seance", "duree seance", "duree de l atelier", "duree prestation", "duration"]
            }
            Field::Sessions => &["seances", "sessions", "creneaux", "dates des seances"],
            Field::LeadTime => &[
                "delai",
                "delai de fabrication",
                "delai fabrication",
                "delai de preparation",
                "delai preparation",
                "delai en jours",
                "delai jours",
                "lead time",
            ],
            Field::StockPolicy => &[
                "gestion du stock",
                "gestion stock",
                "gestion de stock",
                "suivi du stock",
                "suivi stock",
                "suivi de stock",
                "type de stock",
                "stock policy",
            ],
            Field::Ingredients => {
                // Not « composition »: a clothes shop's column (« 100 % coton ») would make
                // every garment food.
                &["ingredients", "ingredient", "liste des ingredients", "liste ingredients"]
            }
            Field::Allergens => {
                &["allergenes", "allergene", "allergenes majeurs", "allergens", "allergen", "allergies"]
            }
            Field::Storage => &[
                "conservation",
                "conditions de conservation",
                "condition de conservation",
                "mode de conservation",
                "a conserver",
                "storage",
                "storage conditions",
            ],
            Field::Origin => &["origine", "provenance", "pays d origine", "origin", "country of origin"],
            // Not « fabricant »: an artisan's column for what is not food.
            Field::Producer => &["producteur", "elaborateur", "exploitant", "transformateur", "producer"],
            Field::Labels => &[
                "label",
                "labels",
                "label qualite",
                "labels qualite",
                "signe de qualite",
                "signes de qualite",
                "signe officiel de qualite",
                "appellation",
            ],
            Field::Abv => &[
                "degre",
                "degre d alcool",
                "degre alcool",
                "degre alcoolique",
                "alcool",
                "alcool vol",
                "titre alcoometrique",
                "titre alcoometrique volumique",
                "tav",
                "abv",
                "alcohol",
            ],
            // Not « prix barré »: that is the price before the reduction.
            Field::PromoPrice => &[
                "prix promo",
                "prix promotionnel",
                "prix promotion",
                "prix en promotion",
                "prix en promo",
                "prix de promotion",
                "prix solde",
                "prix soldes",
                "prix remise",
                "prix reduit",
                "prix promo ttc",
                "promo",
                "promotion",
                "promo price",
                "sale price",
                "discounted price",
            ],
            Field::Discount => &[
                "remise",
                "reduction",
                "rabais",
                "ristourne",
                "de remise",
                "de reduction",
                "remise en",
                "reduction en",
                "pourcentage de remise",
                "pourcentage remise",
                "taux de remise",
                "taux remise",
                "remise promo",
                "promo en",
                "discount",
                "percent off",
            ],
            Field::PromoStart => &[
                "debut promo",
                "debut promotion",
                "debut de promo",
                "debut de la promo",
                "debut de promotion",
                "debut de la promotion",
                "date debut promo",
                "date de debut promo",
                "date debut promotion",
                "date de debut promotion",
                "date de debut de la promo",
                "date de debut de la promotion",
                "date promo",
                "promo du",
                "promotion du",
                "promo a partir du",
                "promo debut",
                "promo start",
                "sale start",
            ],
            Field::PromoEnd => &[
                "fin promo",
                "fin promotion",
                "fin de promo",
                "fin de la promo",
                "fin de promotion",
                "fin de la promotion",
                "date fin promo",
                "date de fin promo",
                "date fin promotion",
                "date de fin promotion",
                "date de fin de la promo",
                "date de fin de la promotion",
                "promo au",
                "promotion au",
                "promo jusqu au",
                "promo fin",
                "promo end",
                "sale end",
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_index_in_their_own_order() {
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(f.index(), i, "{f:?}");
        }
    }
}
