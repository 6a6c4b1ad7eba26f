//! Nested CORS layers, detected without touching the request or the response.
//!
//! A layer that polls its inner service's future first arms a thread-local slot; a layer
//! reached inside, which decides the request itself, marks the slot claimed. The outer layer
//! reads the slot when the poll returns, so it learns that an inner layer owns the request's
//! CORS headers. A response extension would say the same, but inserting one
//! allocates a map on every response; the slot costs a few instructions.
//!
//! Inner layers claim when their response future is polled, and outer layers watch only their
//! polls: `call` moves the request, which any more code there makes the compiler copy. Exact
//! for every inner layer whose future is polled inside the outer layer's poll, which covers
//! `ServiceBuilder` stacks, axum routers and `tower::buffer::Buffer` (its worker calls the
//! service, the caller polls the future). A layer whose future is polled on another task (a
//! service that spawns the rest of the stack) is not seen.

use std::cell::Cell;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// No layer is polling its inner future on this thread.
    Idle,
    /// A layer is polling its inner future.
    Armed,
    /// An inner layer decided a request while the slot was armed.
    Claimed,
}

thread_local! {
    static SLOT: Cell<Slot> = const { Cell::new(Slot::Idle) };
}

/// The slot armed while a layer polls its inner service's future.
#[must_use]
pub(crate) struct Watch {
    previous: Slot,
}

impl Watch {
    /// Arms the slot.
    #[inline(always)]
    pub(crate) fn start() -> Self {
        Self { previous: SLOT.replace(Slot::Armed) }
    }

    /// Disarms it, and says whether a layer inside claimed the request meanwhile. Restoring the
    /// outer value keeps a layer further out informed: its own claim stands.
    #[inline(always)]
    pub(crate) fn end(self) -> bool {
        SLOT.replace(self.previous) == Slot::Claimed
    }
}

/// Tells a layer further out, if one is watching, that this layer decides the request.
#[inline(always)]
pub(crate) fn claim() {
    SLOT.with(|slot| {
        if slot.get() == Slot::Armed {
            slot.set(Slot::Claimed);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{claim, Watch};

    fn watch<T>(f: impl FnOnce() -> T) -> (T, bool) {
        let watch = Watch::start();
        let output = f();
        (output, watch.end())
    }

    #[test]
    fn a_claim_reaches_only_the_layer_watching() {
        let ((), claimed) = watch(|| ());
        assert!(!claimed);
        let ((), claimed) = watch(claim);
        assert!(claimed);
        // Three layers: the middle one claims for the outer and watches the inner, which claims.
        let (inner_claimed, outer_claimed) = watch(|| {
            claim();
            watch(claim).1
        });
        assert!(inner_claimed && outer_claimed);
        // A middle layer that claims does not make the outer one see a claim from further in.
        let (inner_claimed, outer_claimed) = watch(|| watch(claim).1);
        assert!(inner_claimed);
        assert!(!outer_claimed);
        // Nobody watching: a claim changes nothing for the next watcher.
        claim();
        assert!(!watch(|| ()).1);
    }
}
