//! Plays customers placing click-and-collect orders through the storefront, so
//! that the desktop app can be demonstrated and tested with live orders.

use std::io::Write;
use std::time::Duration;

use comptoir_protocol::client::StorefrontClient;
use comptoir_protocol::orders::Customer;
use comptoir_protocol::storefront::{OrderLineRequest, PlaceOrderRequest, StorefrontProduct};

const CUSTOMERS: [&str; 8] = [
    "Camille Lefèvre",
    "Hugo Marie",
    "Léa Duval",
    "Lucas Lemoine",
    "Manon Hébert",
    "Louis Gosselin",
    "Chloé Lecoq",
    "Jules Vautier",
];

/// xorshift64*: reproducible customers for a given seed, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

async fn all_products(sf: &StorefrontClient, shop: &str) -> anyhow::Result<Vec<StorefrontProduct>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = sf.products(shop, cursor.as_deref()).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

pub async fn run(url: &str, shop: &str, orders: u32, interval: Duration, seed: u64) -> anyhow::Result<()> {
    let sf = StorefrontClient::new(url);
    let mut rng = Rng::new(seed);
    let mut out = std::io::stdout().lock();
    let mut placed = 0;
    while placed < orders {
        let products = all_products(&sf, shop).await?;
        let in_stock: Vec<(&StorefrontProduct, usize)> = products
            .iter()
            .flat_map(|p| (0..p.variants.len()).map(move |i| (p, i)))
            .filter(|(p, i)| p.variants[*i].available > 0)
            .collect();
        if in_stock.is_empty() {
            writeln!(out, "no published product in stock for shop {shop}; stopping")?;
            break;
        }
        let lines_n = 1 + rng.below(in_stock.len().min(3) as u64) as usize;
        let mut lines: Vec<OrderLineRequest> = Vec::new();
        for _ in 0..lines_n {
            let (p, i) = in_stock[rng.below(in_stock.len() as u64) as usize];
            let v = &p.variants[i];
            if lines.iter().any(|l| l.sku == v.sku) {
                continue;
            }
            let qty = 1 + rng.below(v.available.min(2) as u64) as i64;
            lines.push(OrderLineRequest { sku: v.sku.clone(), quantity: qty });
        }
        let customer = CUSTOMERS[rng.below(CUSTOMERS.len() as u64) as usize];
        let req =
            PlaceOrderRequest { customer: Customer { name: customer.to_owned(), email: None, phone: None }, lines };
        match sf.place_order(shop, &req).await {
            Ok(order) => {
                placed += 1;
                writeln!(
                    out,
                    "order {} by {customer}: {} line(s), {:.2} EUR",
                    order.id,
                    order.lines.len(),
                    order.total_ttc as f64 / 100.0
                )?;
            }
            // Someone else (the shop) changed the stock meanwhile: try again.
            Err(e) if e.status() == Some(409) => writeln!(out, "stock moved, retrying: {e}")?,
            Err(e) => return Err(e.into()),
        }
        if placed < orders {
            tokio::time::sleep(interval).await;
        }
    }
    writeln!(out, "{placed} order(s) placed")?;
    Ok(())
}
