//! count_items: the same small job as examples/c/count_items.c and examples/python/count_items.py; a test
//! compares their output.
//!
//! Usage: cargo run --example count_items -- <dataset> [shard_index shard_count]
use std::process::exit;

use mirsafety::{relation_name, sys, Dataset, Filter, Relation};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 && args.len() != 4 {
        eprintln!("usage: count_items <dataset> [shard_index shard_count]");
        exit(2);
    }
    let (index, count) = if args.len() == 4 {
        (args[2].parse().unwrap_or(0), args[3].parse().unwrap_or(0))
    } else {
        (0u32, 0u32)
    };
    let run = || -> mirsafety::Result<()> {
        let ds = Dataset::open(&args[1])?;
        let mut per_relation = [0usize; sys::MIRS_RELATION_COUNT as usize];
        let mut first = Vec::new();
        let mut n = 0usize;
        for item in ds.iter_filtered(&Filter::new().shard(index, count))? {
            if let Some(r) = item.relation() {
                per_relation[r.raw() as usize] += 1;
            }
            if first.len() < 3 {
                first.push(item.key());
            }
            n += 1;
        }
        println!("items: {}", ds.len());
        println!("shard {}/{}: {} items", index, count, n);
        for (r, c) in Relation::ALL.iter().zip(per_relation) {
            println!("{} {}", relation_name(*r), c);
        }
        for key in first {
            println!("first: {}", key);
        }
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("count_items: {}", e);
        exit(3);
    }
}
