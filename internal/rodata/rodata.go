// Package rodata gives back the memory of large read-only data embedded in
// the binary (word lists, dictionaries) once it has been read into compact
// tables.
//
// Such data lives in the executable's read-only segment, a private mapping
// of the file: a page of it becomes resident the first time it is read and
// stays resident, counted in the process's RSS as file-backed memory, for
// the rest of the run. After the one read that builds a table, the text is
// never needed again, yet its pages would stay in the RSS for good (6.2 MB
// for the boundary lexicon's word list). Release tells the kernel the
// pages are not needed (madvise MADV_DONTNEED). For a read-only private
// file mapping that is safe and loses nothing: its pages are clean copies
// of the file (never written: the mapping is not writable), so they are
// only unmapped, and a later read, if any, faults them in again from the
// file (the page cache) with the same bytes, as on first use. The process
// already reads this segment from the file on demand; Release only undoes
// the first read's residency.
package rodata

// Release gives back the resident pages that lie entirely inside s, when
// s is in a read-only, private, file-backed mapping (the binary's
// read-only data; anything else is left alone), and returns how many bytes
// it released (0 where the system has no such call, or the call failed).
// s stays valid and readable.
func Release(s string) int { return release(s) }

// Resident returns how many bytes of the pages that lie entirely inside s
// are resident in this process (for tests and benchmarks; an error where
// the system cannot tell).
func Resident(s string) (int, error) { return resident(s) }
