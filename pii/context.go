package pii

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PublicContact is a unit's published phone number (a 联系电话 or 咨询电话
// column of a table of units, a 咨询电话 in prose): public, reported as
// information, never as a leak.
const PublicContact = "public-contact"

// Column roles read from table headers.
const (
	roleNone  = ""
	roleID    = "id"    // 身份证号, 证件号码
	roleExam  = "exam"  // 准考证号, 考号, 报名序号, 座位号, 编号
	rolePhone = "phone" // 联系电话, 咨询电话
	roleBank  = "bank"  // 银行卡号, 账号, 卡号
	roleName  = "name"  // 姓名
	roleUnit  = "unit"  // 单位, 部门, 机构
)

// headerRoles maps header cell words to roles, longest first where they
// overlap (身份证号 before 编号).
var headerRoles = []struct{ word, role string }{
	{"身份证", roleID}, {"证件号", roleID}, {"身份号码", roleID}, {"公民身份", roleID},
	{"准考证", roleExam}, {"考号", roleExam}, {"考生号", roleExam}, {"报名号", roleExam}, {"报名序号", roleExam},
	{"座位号", roleExam}, {"考场号", roleExam}, {"编号", roleExam}, {"序号", roleExam}, {"工号", roleExam}, {"学号", roleExam},
	{"银行卡", roleBank}, {"卡号", roleBank}, {"账号", roleBank}, {"帐号", roleBank}, {"账户", roleBank}, {"帐户", roleBank}, {"存折", roleBank},
	{"电话", rolePhone}, {"手机", rolePhone}, {"联系方式", rolePhone}, {"热线", rolePhone},
	{"姓名", roleName}, {"户主", roleName}, {"申请人", roleName}, {"联系人", roleName},
	{"单位", roleUnit}, {"部门", roleUnit}, {"机构", roleUnit}, {"名称", roleUnit}, {"学校", roleUnit}, {"医院", roleUnit}, {"地址", roleUnit},
}

// table is the header in force for the lines below it.
type table struct {
	sep   string   // "\t", "," or "  " (PDF rows)
	roles []string // per column
	names bool     // a column of people's names: phones are personal
}

// ScanDocument finds personal data like Scan, reading the text as a
// document: tables are read as tables (a number's column header is its
// context: 身份证号 → ID, 准考证号/考号/座位号/编号 → not personal data,
// 联系电话 of a table of units → public contact, 银行卡号/账号 → bank card
// even with no word in the cell), numbers inside a run of sequential
// numbers of the same length (exam numbers) are left out, 15-digit IDs
// must give a living person's age, and a hotline in prose (咨询电话：…) is
// a public contact.
func (s Scanner) ScanDocument(text []byte, fn func(Hit)) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	var hits []Hit
	s.Scan(text, func(h Hit) { hits = append(hits, h) })
	if len(hits) == 0 && !hasAccountRun(text) {
		return // no value, and no number a bank column could make one
	}
	seq := sequential(text)
	var t *table
	lineStart := 0
	hi := 0
	var taken []int
	for lineStart <= len(text) {
		end := lineStart + indexByte(text[lineStart:], '\n')
		raw := text[lineStart:end]
		// Lines are read as strings only where a table may start or go on.
		var line string
		if t != nil || maySeparate(raw) {
			line = string(raw)
			if nt, ok := readHeader(line); ok {
				t = nt
			} else if t != nil && !tableRow(line, t) {
				t = nil
			}
		}
		taken = taken[:0]
		for ; hi < len(hits) && hits[hi].Start < end; hi++ {
			h := hits[hi]
			taken = append(taken, h.Start)
			if seq[h.Start] {
				continue
			}
			if h.Kind == IDCard15 && !livingAge15(h.Value, now) {
				continue
			}
			role := roleNone
			if t != nil {
				role = cellRole(line, h.Start-lineStart, t)
			}
			switch role {
			case roleExam:
				continue
			case rolePhone:
				if h.Kind == Mobile && !t.names {
					h.Kind = PublicContact
				}
			case roleBank:
				if h.Kind == IDCard || h.Kind == IDCard15 || h.Kind == Mobile {
					continue
				}
			}
			if h.Kind == Mobile && role == roleNone && hotline(text[:h.Start]) {
				h.Kind = PublicContact
			}
			if role != roleNone && t != nil {
				h.Column = columnName(t, line, h.Start-lineStart)
			}
			fn(h)
		}
		// Bank card columns: any 15 to 19 digit number is an account, with
		// or without a context word in the cell.
		if t != nil && slices.Contains(t.roles, roleBank) {
			for _, r := range digitRuns(raw) {
				start := lineStart + r[0]
				if slices.Contains(taken, start) || seq[start] || r[1]-r[0] < 15 || r[1]-r[0] > 19 {
					continue
				}
				if cellRole(line, r[0], t) != roleBank {
					continue
				}
				v := string(text[start : lineStart+r[1]])
				fn(Hit{Kind: BankCard, Start: start, End: lineStart + r[1], Value: v, Masked: MaskBank(v), Column: columnName(t, line, r[0])})
			}
		}
		lineStart = end + 1
	}
}

// hasAccountRun reports a run of 15 to 19 ASCII digits: what a bank
// column makes an account number without Scan's help. Such a run holds a
// multiple of 15 among its indexes, so only those bytes are read until
// one is a digit; its whole run is then measured (a page's 25 KB of text
// read at every byte cost 25 µs).
func hasAccountRun(text []byte) bool {
	for k := accountRunMin - 1; k < len(text); k += accountRunMin {
		if text[k] < '0' || text[k] > '9' {
			continue
		}
		i, j := k, k+1
		for i > 0 && text[i-1] >= '0' && text[i-1] <= '9' {
			i--
		}
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if n := j - i; n >= accountRunMin && n <= 19 {
			return true
		}
		// The next run starts past j: from the last index read at or
		// before j, the loop steps to the first past it.
		k = j - (j+1)%accountRunMin
	}
	return false
}

// accountRunMin is the shortest digit run hasAccountRun reports.
const accountRunMin = 15

// maySeparate reports a line holding a cell separator readHeader knows
// (a tab, a comma, two spaces, an ideographic space): only such a line
// can be a table's header.
func maySeparate(line []byte) bool {
	return bytes.IndexByte(line, '\t') >= 0 || bytes.IndexByte(line, ',') >= 0 ||
		bytes.Contains(line, []byte("  ")) || bytes.Contains(line, []byte("\u3000"))
}

func indexByte(b []byte, c byte) int {
	if i := bytes.IndexByte(b, c); i >= 0 {
		return i
	}
	return len(b)
}

// splitCells splits a line by sep; "  " means runs of two or more spaces.
func splitCells(line, sep string) []string {
	if sep == "  " {
		var out []string
		for _, c := range strings.Split(strings.ReplaceAll(line, "\u3000", "  "), "  ") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
		return out
	}
	return strings.Split(line, sep)
}

// readHeader recognises a header line: at least two cells naming known
// columns, no cell holding a long number.
func readHeader(line string) (*table, bool) {
	for _, sep := range []string{"\t", ",", "  "} {
		if sep != "  " && !strings.Contains(line, sep) {
			continue
		}
		cells := splitCells(line, sep)
		if len(cells) < 2 {
			continue
		}
		t := &table{sep: sep, roles: make([]string, len(cells))}
		known := 0
		for i, c := range cells {
			c = strings.TrimSpace(c)
			if utf8.RuneCountInString(c) > 12 || len(digitRuns([]byte(c))) > 0 && longestRun(c) >= 6 {
				known = -100
				break
			}
			for _, hr := range headerRoles {
				if strings.Contains(c, hr.word) {
					t.roles[i] = hr.role
					known++
					break
				}
			}
			if t.roles[i] == roleName {
				t.names = true
			}
		}
		if known >= 2 {
			return t, true
		}
	}
	return nil, false
}

// tableRow: the line still belongs to the table (same separator, a
// similar number of cells).
func tableRow(line string, t *table) bool {
	if strings.TrimSpace(line) == "" {
		return true
	}
	n := len(splitCells(line, t.sep))
	return n >= 2 && n >= len(t.roles)-2 && n <= len(t.roles)+2
}

// cellRole returns the role of the column holding byte offset off of line.
func cellRole(line string, off int, t *table) string {
	i := cellIndex(line, off, t.sep)
	if i < 0 || i >= len(t.roles) {
		return roleNone
	}
	return t.roles[i]
}

func cellIndex(line string, off int, sep string) int {
	if off > len(line) {
		return -1
	}
	if sep == "  " {
		before := strings.ReplaceAll(line[:off], "\u3000", "  ")
		n := 0
		for _, c := range strings.Split(before, "  ") {
			if strings.TrimSpace(c) != "" {
				n++
			}
		}
		if strings.HasSuffix(before, "  ") || n == 0 {
			return n
		}
		return n - 1
	}
	return strings.Count(line[:off], sep)
}

// columnName is the header label of the hit's column, for evidence.
func columnName(t *table, line string, off int) string {
	i := cellIndex(line, off, t.sep)
	if i < 0 || i >= len(t.roles) {
		return ""
	}
	return t.roles[i]
}

// digitRuns returns [start, end) of every run of ASCII digits.
func digitRuns(b []byte) [][2]int {
	var out [][2]int
	for i := 0; i < len(b); {
		if b[i] < '0' || b[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

func longestRun(s string) int {
	best := 0
	for _, r := range digitRuns([]byte(s)) {
		best = max(best, r[1]-r[0])
	}
	return best
}

// sequential marks the start of every number of 8 to 19 digits that has
// at least two others of the same length within ±50 of it: exam ticket,
// seat and registration numbers are issued in sequence, IDs and phones
// never are.
func sequential(text []byte) map[int]bool {
	type num struct {
		v     uint64
		start int
	}
	var groups [20][]num // by length
	for i := 0; i < len(text); {
		if text[i] < '0' || text[i] > '9' {
			i++
			continue
		}
		j := i
		var v uint64
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			v = v*10 + uint64(text[j]-'0') // 19 digits fit in a uint64
			j++
		}
		if n := j - i; n >= 8 && n <= 19 {
			groups[n] = append(groups[n], num{v, i})
		}
		i = j
	}
	out := map[int]bool{}
	for _, g := range groups {
		if len(g) < 3 {
			continue
		}
		slices.SortFunc(g, func(a, b num) int {
			switch {
			case a.v < b.v:
				return -1
			case a.v > b.v:
				return 1
			}
			return 0
		})
		for i := range g {
			close := 0
			for j := max(0, i-2); j <= min(len(g)-1, i+2); j++ {
				if j != i && absDiff(g[i].v, g[j].v) <= 50 {
					close++
				}
			}
			if close >= 2 || close >= 1 && (i > 0 && absDiff(g[i].v, g[i-1].v) <= 50 && i > 1 && absDiff(g[i-1].v, g[i-2].v) <= 50 ||
				i+1 < len(g) && absDiff(g[i].v, g[i+1].v) <= 50 && i+2 < len(g) && absDiff(g[i+1].v, g[i+2].v) <= 50) {
				out[g[i].start] = true
			}
		}
	}
	return out
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// livingAge15: a 15-digit ID (issued 1984–1999) gives a birth date
// 19YYMMDD; the holder must be at most 100 years old and have been born
// before the format ended.
func livingAge15(v string, now time.Time) bool {
	y, err := strconv.Atoi(v[6:8])
	if err != nil {
		return false
	}
	year := 1900 + y
	return year >= now.Year()-100 && year <= 1999
}

// hotlineWords name a unit's published line in prose.
var hotlineWords = byteWords("咨询电话", "监督电话", "举报电话", "投诉电话", "服务电话", "服务热线", "咨询热线", "举报热线", "值班电话", "办公电话", "传真")

// personWords say the number belongs to a person.
var personWords = byteWords("联系人", "老师", "先生", "女士", "同志", "经理", "主任", "姓名", "本人", "手机")

func byteWords(words ...string) [][]byte {
	out := make([][]byte, len(words))
	for i, w := range words {
		out[i] = []byte(w)
	}
	return out
}

// hotline: the 16 characters before the number name a unit hotline and no
// person.
func hotline(before []byte) bool {
	from := len(before)
	for n := 0; from > 0 && n < 16; n++ {
		_, size := utf8.DecodeLastRune(before[:from])
		from -= size
	}
	w := before[from:]
	if i := bytes.LastIndexAny(w, "。；;\n"); i >= 0 {
		_, size := utf8.DecodeRune(w[i:])
		w = w[i+size:]
	}
	for _, p := range personWords {
		if bytes.Contains(w, p) {
			return false
		}
	}
	for _, h := range hotlineWords {
		if bytes.Contains(w, h) {
			return true
		}
	}
	return false
}
