//! Per-package work that shares nothing (reading a package and signing it: an RSA-4096
//! signature is milliseconds of CPU, the bulk of adding thousands of packages) spread over the
//! cores, in batches of one package per core, so that no more packages are in memory at once
//! than there are cores. Everything that writes the repository stays on the calling thread, in
//! the packages' order, so the result is the same bytes whatever the number of cores.

/// Calls `prepare` on every item, up to one thread per core, a batch of that many items at a
/// time, and hands each result to `finish` on the calling thread in the items' order. Stops at
/// the first error `finish` returns.
pub(crate) fn in_batches<T: Sync, R: Send, E>(
    items: &[T],
    prepare: impl Fn(&T) -> R + Sync,
    mut finish: impl FnMut(&T, R) -> Result<(), E>,
) -> Result<(), E> {
    let width = std::thread::available_parallelism().map_or(1, |n| n.get());
    for batch in items.chunks(width) {
        let results: Vec<R> = if batch.len() == 1 {
            vec![prepare(&batch[0])]
        } else {
            std::thread::scope(|scope| {
                let prepare = &prepare;
                let workers: Vec<_> = batch
                    .iter()
                    .map(|item| scope.spawn(move || prepare(item)))
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        for (item, result) in batch.iter().zip(results) {
            finish(item, result)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_order_and_errors_stop() {
        let items: Vec<u32> = (0..37).collect();
        let mut seen = Vec::new();
        super::in_batches(
            &items,
            |i| i * 2,
            |i, r| {
                assert_eq!(r, i * 2);
                seen.push(*i);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(seen, items);
        let mut count = 0;
        let stopped = super::in_batches(
            &items,
            |i| *i,
            |_, r| {
                count += 1;
                if r == 5 {
                    Err(r)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!((stopped, count), (Err(5), 6));
    }
}
