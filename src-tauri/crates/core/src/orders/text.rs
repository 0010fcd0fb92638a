//! The French words of order notifications.

use crate::money::format_eur;

use super::LocalOrder;

/// "Marie Dupont" → "Marie D."; a single word stays as it is.
pub fn short_name(full: &str) -> String {
    let mut words = full.split_whitespace();
    let Some(first) = words.next() else { return String::from("Client") };
    match words.next_back() {
        Some(last) => match last.chars().next() {
            Some(initial) => format!("{first} {}.", initial.to_uppercase()),
            None => first.to_owned(),
        },
        None => first.to_owned(),
    }
}

/// "Nouvelle commande n° 1042 — Marie D."
pub fn new_order_title(o: &LocalOrder) -> String {
    format!("Nouvelle commande n° {} — {}", o.number, short_name(&o.customer_name))
}

/// "2 × Camembert de Normandie, 1 × Cidre brut · 17,90 €" (lines beyond the third
/// become "et N autres articles").
pub fn order_summary(o: &LocalOrder) -> String {
    const SHOWN: usize = 3;
    let lines: Vec<_> = o.kept_lines().collect();
    let mut parts: Vec<String> = lines.iter().take(SHOWN).map(|l| format!("{} × {}", l.quantity, l.label())).collect();
    if lines.len() > SHOWN {
        let rest = lines.len() - SHOWN;
        parts.push(if rest == 1 { "et 1 autre article".to_owned() } else { format!("et {rest} autres articles") });
    }
    format!("{} · {}", parts.join(", "), format_eur(o.total_cents))
}

/// "5 nouvelles commandes"
pub fn grouped_title(n: usize) -> String {
    format!("{n} nouvelles commandes")
}

/// "n° 1042 Marie D. (17,90 €), n° 1043 …"
pub fn grouped_body(orders: &[LocalOrder]) -> String {
    const SHOWN: usize = 4;
    let mut parts: Vec<String> = orders
        .iter()
        .take(SHOWN)
        .map(|o| format!("n° {} {} ({})", o.number, short_name(&o.customer_name), format_eur(o.total_cents)))
        .collect();
    if orders.len() > SHOWN {
        parts.push(format!("et {} autres", orders.len() - SHOWN));
    }
    let total: i64 = orders.iter().map(|o| o.total_cents).sum();
    format!("{} · {} au total", parts.join(", "), format_eur(total))
}

/// "Commande n° 1042 en attente — Marie D."
pub fn reminder_title(o: &LocalOrder) -> String {
    format!("Commande n° {} toujours en attente — {}", o.number, short_name(&o.customer_name))
}

pub fn reminder_body(o: &LocalOrder) -> String {
    format!(
        "À accepter ou refuser avant {} · {}",
        super::time::paris(o.accept_before).format("%H:%M"),
        order_summary(o)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_name("Marie Dupont"), "Marie D.");
        assert_eq!(short_name("  Jean-Luc   de la Fontaine "), "Jean-Luc F.");
        assert_eq!(short_name("Élodie élan"), "Élodie É.");
        assert_eq!(short_name("Cher"), "Cher");
        assert_eq!(short_name(""), "Client");
    }
}
