//! Work a call starts that outlives the await that started it: status-hook
//! posts, error-hook posts, DTMF and AMD posts, AMD clean-up, screening,
//! every connection from FreeSWITCH. Each runs in a task of its own (a slow
//! application never holds the call up) but is counted here, so a drain
//! waits for it instead of cutting a final `completed` status or a
//! recording's clean-up short.

use std::future::Future;

use futures_util::FutureExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Counts running tasks; [`Tasks::idle`] waits until none is left.
/// Clones share the count.
#[derive(Clone)]
pub struct Tasks {
    running: watch::Sender<usize>,
}

impl Default for Tasks {
    fn default() -> Self {
        Self {
            running: watch::channel(0).0,
        }
    }
}

/// Decrements the count when the task ends, however it ends (finished,
/// panicked, or aborted with its runtime).
struct Done(watch::Sender<usize>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Tasks {
    /// Runs `work` in a task of its own, counted until it ends.
    ///
    /// `work` is wrapped with `map`, not in an `async move { work.await }`
    /// block: such a block keeps the captured future and the awaited one as
    /// two fields of its state (rust-lang/rust#62958), so every task (every
    /// call's, the largest) would hold its future twice.
    pub(crate) fn spawn<F>(&self, work: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.running.send_modify(|n| *n += 1);
        let done = Done(self.running.clone());
        let counted = work.map(move |out| {
            drop(done);
            out
        });
        tokio::spawn(counted)
    }

    /// Tasks running now.
    pub(crate) fn running(&self) -> usize {
        *self.running.borrow()
    }

    /// Waits until no task runs.
    pub(crate) async fn idle(&self) {
        let mut rx = self.running.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn idle_waits_for_every_task_and_counts_aborted_ones_out() {
        let tasks = Tasks::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tasks.spawn(async move {
            let _ = rx.await;
        });
        let forever = tasks.spawn(std::future::pending::<()>());
        assert_eq!(tasks.running(), 2);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), tasks.idle())
                .await
                .is_err()
        );
        let _ = tx.send(());
        forever.abort();
        tokio::time::timeout(Duration::from_secs(5), tasks.idle())
            .await
            .expect("idle once both ended");
        assert_eq!(tasks.running(), 0);
    }
}
