//! The storefront's HTML page: a shop's products on sale, every text escaped, no
//! script.

use std::fmt::Write as _;

use comptoir_protocol::catalog::ProductKind;
use comptoir_protocol::storefront::{StorefrontProduct, StorefrontVariant};

use super::format_eur;

// ---------------------------------------------------------------- the page

/// Text for HTML, in an element or a double-quoted attribute (the page quotes every
/// attribute with `"`, so the apostrophes of French text stay as they are).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}\
article{border-top:1px solid #ddd;padding:.5rem 0}\
ul{padding-left:1.2rem}\
.price{font-size:1.15em}\
del{color:#666}\
.discount{background:#b3261e;color:#fff;padding:0 .3em;border-radius:.2em}\
.until,.campaign,.remaining,.unit-price,.stock,.net-quantity,.food{color:#555;font-size:.9em}\
.notice{font-weight:bold}";

/// The shop's products on sale as one French HTML page: what a buyer sees of each
/// variant's price at the instant `products` were priced (see [`storefront_product`]).
pub fn page_html(shop_name: &str, products: &[StorefrontProduct]) -> String {
    let e = html_escape;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{} — produits en vente</title>", e(shop_name));
    let _ = writeln!(h, "<style>{PAGE_STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>", e(shop_name));
    if products.is_empty() {
        h.push_str("<p>Aucun produit en vente pour le moment.</p>\n");
    }
    for p in products {
        let _ = writeln!(h, "<article class=\"product\" id=\"produit-{}\">", e(&p.external_id));
        let _ = writeln!(h, "<h2>{}</h2>", e(&p.title));
        if !p.description.trim().is_empty() {
            let _ = writeln!(h, "<p class=\"description\">{}</p>", e(&p.description));
        }
        for line in [&p.duration, &p.availability].into_iter().flatten() {
            let _ = writeln!(h, "<p class=\"availability\">{}</p>", e(line));
        }
        let counted = p.kind != Some(ProductKind::Service) && p.stock_policy.is_none();
        h.push_str("<ul class=\"variants\">\n");
        for v in &p.variants {
            variant_html(&mut h, p, v, counted);
        }
        h.push_str("</ul>\n");
        for s in &p.sessions {
            let _ = writeln!(h, "<p class=\"session\">{}</p>", e(&s.text));
        }
        if let Some(f) = &p.food {
            h.push_str("<p class=\"food\">");
            if !f.ingredients.is_empty() {
                h.push_str("Ingrédients : ");
                for run in &f.ingredients {
                    // Allergens set apart by the typeface (Regulation (EU) No 1169/2011, art. 21).
                    if run.emphasis {
                        let _ = write!(h, "<strong>{}</strong>", e(&run.text));
                    } else {
                        h.push_str(&e(&run.text));
                    }
                }
                h.push_str(". ");
            }
            h.push_str(&e(&f.allergens));
            h.push_str("</p>\n");
        }
        for n in &p.legal_notices {
            let _ = writeln!(h, "<p class=\"notice\">{}</p>", e(n));
        }
        h.push_str("</article>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// One variant's line: « Poids : 250 g — 9,60 € ~~12,00 €~~ −20 % Jusqu'au … ».
fn variant_html(h: &mut String, p: &StorefrontProduct, v: &StorefrontVariant, counted: bool) {
    let e = html_escape;
    let _ = write!(h, "<li class=\"variant\" data-sku=\"{}\">", e(&v.sku));
    if !v.options.is_empty() {
        let options: Vec<String> = v.options.iter().map(|(k, val)| format!("{k} : {val}")).collect();
        let _ = write!(h, "<span class=\"options\">{}</span> ", e(&options.join(", ")));
    }
    if let Some(q) = &v.net_quantity {
        let _ = write!(h, "<span class=\"net-quantity\">{}</span> ", e(q));
    }
    let _ = write!(h, "<strong class=\"price\">{}</strong>", e(&format_eur(v.price_ttc)));
    if let Some(by) = &p.sold_by {
        let _ = write!(h, " <span class=\"sold-by\">{}</span>", e(by));
    }
    if let Some(promo) = &v.promotion {
        if let Some(reference) = &promo.reference_price_text {
            let _ = write!(h, " <del>{}</del>", e(reference));
        }
        if let Some(discount) = &promo.discount_text {
            let _ = write!(h, " <span class=\"discount\">{}</span>", e(discount));
        }
        let _ = write!(h, " <span class=\"until\">{}</span>", e(&promo.until_text));
        if let Some(c) = &promo.campaign {
            let _ = write!(h, " <span class=\"campaign\">{}</span>", e(c));
        }
        if let Some(n) = promo.remaining {
            let _ = write!(h, " <span class=\"remaining\">Encore {n} au prix réduit</span>");
        }
    }
    if let Some(up) = &v.unit_price_text {
        let _ = write!(h, " <span class=\"unit-price\">soit {}</span>", e(up));
    }
    if counted && v.available <= 0 {
        h.push_str(" <span class=\"stock\">Épuisé</span>");
    }
    h.push_str("</li>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use comptoir_protocol::catalog::{ProductData, Variant};

    use crate::promotions::Usage;
    use crate::storefront::storefront_product;

    #[test]
    fn the_page_escapes_every_text() {
        assert_eq!(html_escape(r#"<b>"Tom" & l'âne</b>"#), "&lt;b&gt;&quot;Tom&quot; &amp; l'âne&lt;/b&gt;");
        let mut d = ProductData {
            title: "Cidre <brut> & \"doux\"".into(),
            published: true,
            variants: vec![Variant {
                sku: "C\"1".into(),
                options: [("Format".to_owned(), "<75 cl>".to_owned())].into(),
                price_ttc: 450,
                currency: "EUR".into(),
                vat_rate: "20".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        d.description = "<script>alert(1)</script>".into();
        let now = Utc::now();
        let html = page_html("Cave & <Cie>", &[storefront_product("p\"1".into(), d, now, &Usage::new())]);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<brut>") && !html.contains("<Cie>"), "{html}");
        assert!(html.contains("<h1>Cave &amp; &lt;Cie&gt;</h1>"), "{html}");
        assert!(html.contains("<article class=\"product\" id=\"produit-p&quot;1\">"), "{html}");
        assert!(
            html.contains(
                "<li class=\"variant\" data-sku=\"C&quot;1\"><span class=\"options\">Format : &lt;75 cl&gt;</span> <strong class=\"price\">4,50 €</strong> <span class=\"stock\">Épuisé</span></li>"
            ),
            "{html}"
        );
    }
}
