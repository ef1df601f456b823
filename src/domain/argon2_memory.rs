//! argon2's working memory, kept per thread and reused, and backed by transparent huge pages
//! where the kernel offers them (`madvise` mode, Debian's default). A bulk import then pays for
//! its memory once per thread; a login, which hashes once in a new process, faults in ten 2 MiB
//! pages instead of 4,864 small ones for the default 19 MiB, which halves the cost of its hash.

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr::NonNull;

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use nix::sys::mman::{MmapAdvise, madvise};

/// The size of a transparent huge page on x86-64 and arm64 (4 KiB base pages).
const HUGE_PAGE: usize = 2 << 20;
/// Blocks in a huge page, spare blocks kept so that the memory can start on a huge page.
const BLOCKS_PER_HUGE_PAGE: usize = HUGE_PAGE / size_of::<Block>();

thread_local! {
    static MEMORY: RefCell<Memory> = const { RefCell::new(Memory { blocks: Vec::new(), start: 0 }) };
}

/// Runs `work` with `count` blocks of this thread's argon2 memory (their content is whatever the
/// last hash left: argon2 writes every block before it reads it).
pub fn with_blocks<T>(count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    MEMORY.with_borrow_mut(|memory| work(memory.blocks(count)))
}

/// Whether `password` matches the argon2 PHC string `phc`: argon2's own `verify_password`, with
/// this thread's memory. The outputs are compared in constant time (`Output`'s equality).
pub fn verify(password: &[u8], phc: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(phc.algorithm),
        phc.version.map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(phc),
    ) else {
        return false;
    };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(expected.len(), |output| {
        with_blocks(argon2.params().block_count(), |blocks| {
            argon2.hash_password_into_with_memory(password, salt, output, blocks)
        })
        .map_err(Into::into)
    });
    computed.is_ok_and(|computed| computed == expected)
}

struct Memory {
    blocks: Vec<Block>,
    /// Where the blocks handed out start: just past the first huge-page boundary in `blocks`.
    start: usize,
}

impl Memory {
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < self.start + count {
            // Reserved, advised, and only then written: the advice must come before the first
            // touch of a page for the kernel to back it with a huge page.
            let mut blocks: Vec<Block> = Vec::with_capacity(count + BLOCKS_PER_HUGE_PAGE);
            let address = blocks.as_ptr() as usize;
            let boundary = address.next_multiple_of(HUGE_PAGE) - address;
            // The allocator aligns a block to 64 bytes only: the blocks start on the first block
            // boundary at or past the huge-page boundary, within its huge page.
            let start = boundary.div_ceil(size_of::<Block>());
            let whole_huge_pages = (blocks.capacity() * size_of::<Block>() - boundary) / HUGE_PAGE * HUGE_PAGE;
            let first = blocks.as_mut_ptr().cast::<u8>().wrapping_add(boundary).cast::<c_void>();
            if let Some(first) = NonNull::new(first).filter(|_| whole_huge_pages > 0) {
                // SAFETY: the range lies inside the allocation `blocks` owns and no reference to
                // it exists yet; MADV_HUGEPAGE is advice about how to back the pages, it changes
                // neither their content nor their lifetime. A kernel without transparent huge
                // pages refuses it (EINVAL), which only leaves the small pages.
                let _ = unsafe { madvise(first, whole_huge_pages, MmapAdvise::MADV_HUGEPAGE) };
            }
            blocks.resize(count + BLOCKS_PER_HUGE_PAGE, Block::default());
            self.blocks = blocks;
            self.start = start;
        }
        &mut self.blocks[self.start..self.start + count]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_as_argon2_does() {
        use argon2::password_hash::{PasswordHasher, SaltString};
        for (algorithm, version) in [
            (Algorithm::Argon2id, Version::V0x13),
            (Algorithm::Argon2i, Version::V0x10),
        ] {
            let argon2 = Argon2::new(algorithm, version, Params::new(64, 1, 1, Some(24)).unwrap());
            let salt = SaltString::encode_b64(b"saltsaltsalt").unwrap();
            let stored = argon2.hash_password(b"right", &salt).unwrap().to_string();
            let phc = PasswordHash::new(&stored).unwrap();
            assert!(verify(b"right", &phc), "{stored}");
            assert!(!verify(b"wrong", &phc), "{stored}");
        }
    }

    #[test]
    fn blocks_start_at_a_huge_page_and_are_reused() {
        let first = with_blocks(64, |blocks| {
            assert_eq!(blocks.len(), 64);
            assert!(blocks.as_ptr() as usize % HUGE_PAGE < size_of::<Block>());
            blocks[63] = Block::default();
            blocks.as_ptr() as usize
        });
        assert_eq!(with_blocks(32, |blocks| blocks.as_ptr() as usize), first);
        let larger = with_blocks(4096, |blocks| {
            assert_eq!(blocks.len(), 4096);
            blocks.as_ptr() as usize
        });
        assert!(larger % HUGE_PAGE < size_of::<Block>());
    }
}
