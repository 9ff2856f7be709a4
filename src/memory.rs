//! Handing freed memory back to the system between stages.
//!
//! glibc's malloc serves buffers up to tens of megabytes from its heap once a buffer that size
//! has been freed (its threshold for giving each its own mapping moves up), and keeps what is
//! freed there resident for reuse. After the person mask is made, the heap holds about 9 MB of
//! the segmentation's freed planes on a 12 MP photo; the face search that follows lands its
//! small buffers among them, so the process's peak grows by what both leave scattered.

/// Returns the free pages of the malloc heap to the system (glibc; elsewhere nothing). Costs a
/// walk over the free chunks, well under a millisecond, and page faults where they are reused.
pub(crate) fn hand_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory, under the allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
