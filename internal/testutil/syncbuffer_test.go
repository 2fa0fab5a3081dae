package testutil

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	const writers, lines = 8, 200
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(&b, "w%d-%d\n", w, i)
				_ = b.String() // a reader racing the writers
			}
		}()
	}
	wg.Wait()
	if got := strings.Count(b.String(), "\n"); got != writers*lines {
		t.Fatalf("lines written = %d, want %d", got, writers*lines)
	}
	for w := range writers {
		if !strings.Contains(b.String(), fmt.Sprintf("w%d-%d\n", w, lines-1)) {
			t.Errorf("writer %d's last line missing", w)
		}
	}
}

func TestSyncBufferBytesIsACopy(t *testing.T) {
	var b SyncBuffer
	b.Write([]byte("abc"))
	snap := b.Bytes()
	snap[0] = 'X'
	b.Write([]byte("def"))
	if got := b.String(); got != "abcdef" {
		t.Fatalf("buffer = %q after changing a snapshot, want %q", got, "abcdef")
	}
	if string(snap) != "Xbc" {
		t.Fatalf("snapshot = %q, want %q", snap, "Xbc")
	}
}
