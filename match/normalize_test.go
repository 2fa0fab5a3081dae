package match

import (
	"errors"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
)

// identity converts nothing; failing fails on every character.
type identity struct{}

func (identity) Convert(s string) (string, error) { return s, nil }

type failing struct{}

func (failing) Convert(string) (string, error) { return "", errors.New("dictionary unreadable") }

// TestT2STable: OpenCC's table loads with its known characters; a
// converter that cannot be built, fails on every character or converts
// nothing is an error naming the problem, never a silently empty table
// (which would let traditional-script spam past every word pack).
func TestT2STable(t *testing.T) {
	m, err := loadT2S(func() (converter, error) { return opencc.New("t2s") })
	if err != nil {
		t.Fatalf("OpenCC t2s: %v", err)
	}
	for trad, simp := range map[rune]rune{'門': '门', '體': '体', '彩': 0, '澳': 0} {
		if got := m[trad]; got != simp {
			t.Errorf("t2s[%c] = %q, want %q", trad, got, simp)
		}
	}
	if len(m) < minT2S {
		t.Errorf("t2s has %d characters, want at least %d", len(m), minT2S)
	}
	for _, tc := range []struct {
		name string
		open func() (converter, error)
		want string
	}{
		{"open-fails", func() (converter, error) { return nil, errors.New("config t2s.json missing") }, "config t2s.json missing"},
		{"convert-fails", func() (converter, error) { return failing{}, nil }, "dictionary unreadable"},
		{"converts-nothing", func() (converter, error) { return identity{}, nil }, "0 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := loadT2S(tc.open)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("table of %d characters, error %v; want an error containing %q", len(m), err, tc.want)
			}
		})
	}
	if _, err := Build([]string{"澳门博彩"}); err != nil {
		t.Errorf("Build with OpenCC loaded: %v", err)
	}
}
