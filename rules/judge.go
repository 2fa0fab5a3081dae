package rules

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xunjian/xunjian/dates"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
)

// Government text names what it fights: 严厉打击网络赌博, 警惕“刷单返利”
// 诈骗, 邪教“法轮功”的危害. A sensitive word in such a sentence is a
// mention, not spam. These cues, found in the same line shortly before (or
// right after) a match, make it one. They are verbs and nouns of
// crackdowns, warnings, court and police reports and fraud notices: rules,
// not a list of allowed phrases.
var mentionCues = []string{
	// crackdowns
	"打击", "严打", "整治", "取缔", "查处", "查获", "查封", "破获", "侦破", "捣毁", "摧毁", "抓获", "打掉", "清理", "封堵", "治理", "扫除", "铲除", "遏制", "杜绝", "严禁", "禁止", "禁赌", "扫黄", "打非", "专项行动",
	// warnings and education
	"防范", "警惕", "谨防", "提防", "远离", "抵制", "拒绝", "拒赌", "反赌", "反诈", "防骗", "识别", "揭批", "揭露", "举报", "劝阻", "提醒", "警示", "宣传教育", "危害", "反邪教", "邪教组织", "不听、不信、不传",
	// fraud notices and cases
	"诈骗", "骗局", "陷阱", "套路", "谎称", "冒充", "虚假", "噱头", "诱饵", "幌子", "旗号", "以此为名", "声称", "宣称", "打着",
	"涉嫌", "犯罪", "违法", "非法", "案件", "案例", "犯罪嫌疑人", "被告人", "判处", "判决", "一审", "二审", "立案", "涉赌", "涉黄", "涉诈",
	"赌博活动", "赌博违法", "赌博犯罪", "赌博罪", "参赌", "聚众赌博", "开设赌场", "庄家", "为首者",
}

// callToAction words at a match say it advertises: a crackdown sentence
// never adds 官网开户 ("…专项行动成效显著-凯发app官网开户" is a copied
// government title with spam appended). In prose only the calls government
// text never makes count (a fraud notice writes "下载刷单返利APP").
var (
	callToAction      = []string{"官网", "网址", "开户", "注册", "下载", "app", "入口", "登录", "加微", "微信", "qq", "客服", "线路"}
	proseCallToAction = []string{"官网", "网址", "开户", "入口", "加微", "线路"}
)

// advertises reports a call to action at text[start:end]: in the match, or
// in the 8 characters after it up to the next punctuation. In prose the
// call must be glued to the match (at most 2 characters between: 百家乐官方
// 网址), so that a notice's "刷单返利软件，便下载软件" or "为赌博网站担任代理"
// does not read as an advertisement.
func advertises(text string, start, end int) bool {
	lineEnd := len(text)
	if i := strings.IndexByte(text[end:], '\n'); i >= 0 {
		lineEnd = end + i
	}
	calls, reach := callToAction, 8
	if isProse(text[strings.LastIndexByte(text[:start], '\n')+1 : lineEnd]) {
		calls, reach = proseCallToAction, 2
	}
	near := strings.ToLower(match.FoldString(text[start:end]))
	for _, w := range calls {
		if strings.Contains(near, w) {
			return true
		}
	}
	var after strings.Builder
	for i, n := end, 0; i < lineEnd && n < reach+4; n++ {
		r, size := utf8.DecodeRuneInString(text[i:])
		if strings.ContainsRune("，。；：、！？“”（）《》,;!?()", r) {
			break
		}
		after.WriteRune(r)
		i += size
	}
	tail := strings.ToLower(match.FoldString(after.String()))
	for _, w := range calls {
		if i := strings.Index(tail, w); i >= 0 && utf8.RuneCountInString(tail[:i]) <= reach {
			return true
		}
	}
	return false
}

// mentionBefore and mentionAfter bound the context read around a match:
// up to mentionBefore characters back in its paragraph (a notice names
// what it warns about at the start of the paragraph: "二、虚假投资理财。…
// 赌博网站类项目"), and to the end of its sentence, at most mentionAfter
// characters ("兼职刷单诈骗").
const (
	mentionBefore = 150
	mentionAfter  = 30
)

// Mention reports whether text[start:end] sits in a passage that fights,
// warns about or reports what the word names: a cue in the paragraph
// before it (and, when the paragraph is prose, the paragraphs above it,
// within mentionBefore characters), or later in its sentence; and no call
// to action (官网, 开户, app…) right at it. A line without Chinese
// sentence punctuation (a replaced title, a list of links) is judged on its
// own: injected spam comes in lines of its own. Cues are compared folded,
// so traditional pages (詐騙, 掃黃) read like simplified ones.
func Mention(text string, start, end int) (cue string, ok bool) {
	if advertises(text, start, end) {
		return "", false
	}
	lineEnd := len(text)
	if i := strings.IndexByte(text[end:], '\n'); i >= 0 {
		lineEnd = end + i
	}
	prose := isProse(text[strings.LastIndexByte(text[:start], '\n')+1 : lineEnd])
	from := start
	for n := 0; from > 0 && n < mentionBefore; n++ {
		r, size := utf8.DecodeLastRuneInString(text[:from])
		if r == '\n' && !prose {
			break
		}
		from -= size
	}
	to := end
	for n := 0; to < len(text) && n < mentionAfter; n++ {
		r, size := utf8.DecodeRuneInString(text[to:])
		if r == '\n' || strings.ContainsRune("。！？!?；;", r) {
			break
		}
		to += size
	}
	return mentionCue(text[from:start] + "\x00" + text[end:to])
}

// mentionCue finds a cue in window (folded first).
func mentionCue(window string) (string, bool) {
	window = match.FoldString(window)
	for _, c := range mentionCues {
		if strings.Contains(window, c) {
			return c, true
		}
	}
	return "", false
}

// isProse reports whether a line reads as sentences: it has Chinese
// sentence punctuation. Replaced titles join their parts with _ - | and
// ASCII commas; link blocks have none.
func isProse(line string) bool {
	return strings.ContainsAny(line, "。，；：、！？“”")
}

// NoticeTitle reports whether a document's title names a crackdown, a
// warning or a case (严厉打击跨境赌博, 警惕刷单返利诈骗, 关于办理赌博刑事案件
// …的解释): then the words its text names are mentions too, wherever they
// stand, unless a call to action sits at them.
func NoticeTitle(title string) (cue string, ok bool) {
	if utf8.RuneCountInString(title) > 120 {
		return "", false
	}
	return mentionCue(title)
}

// Verdict is what a content check makes of one word match.
type Verdict struct {
	Report   bool
	Severity finding.Severity
	// Reason explains a lowered severity: "mention" (a crackdown or warning
	// names the word), "notice" (the document's title is such a notice),
	// "political" (a topic government text discusses).
	Reason string
	Cue    string
}

// JudgeWord decides about matches[k] (entries[matches[k].Word]) among all
// matches of one text: weak words need a second word of their category in
// the same line (or, brand names, a site code right after: 新葡京8455);
// mentions in crackdown, warning and fraud-notice passages are info, and so
// are the words of a document whose title is such a notice (titleCue, from
// NoticeTitle; "" when it is not) — unless a call to action sits at the
// word, or the word is part of a spam combination of weak words (a replaced
// porn title stays spam under any title).
func JudgeWord(text string, matches []match.Match, k int, entries []WordEntry, titleCue string) Verdict {
	m := matches[k]
	e := entries[m.Word]
	v := Verdict{Report: true, Severity: e.Severity}
	if e.Weak && !corroborated(text, matches, k, entries) {
		return Verdict{}
	}
	if e.Category == "political" {
		v.Reason = "political"
	}
	if v.Severity.Rank() <= finding.Info.Rank() {
		return v
	}
	if cue, ok := Mention(text, m.Start, m.End); ok {
		v.Severity, v.Reason, v.Cue = finding.Info, "mention", cue
	} else if titleCue != "" && !e.Weak && !advertises(text, m.Start, m.End) {
		v.Severity, v.Reason, v.Cue = finding.Info, "notice", titleCue
	}
	return v
}

// corroborated: another word of the same category (not the same base
// word) in the same line within 40 characters (two weak words: within 16,
// with no Chinese sentence punctuation between them: porn titles join
// their parts with _ - | or ASCII commas, government text with 、，), or
// a brand followed by a site code of 2 to 8 letters and digits.
func corroborated(text string, matches []match.Match, k int, entries []WordEntry) bool {
	m := matches[k]
	e := entries[m.Word]
	if e.Brand && siteCode(text[m.End:]) {
		return true
	}
	base := baseOf(e)
	for j, o := range matches {
		if j == k {
			continue
		}
		oe := entries[o.Word]
		if oe.Category != e.Category || baseOf(oe) == base {
			continue
		}
		lo, hi := min(m.Start, o.Start), max(m.End, o.End)
		span := text[lo:hi]
		if strings.Contains(span, "\n") || hanCount(span) > 40 {
			continue
		}
		if e.Brand && oe.Weak {
			continue // two brand names or weak words do not make spam
		}
		if oe.Weak && (hanCount(span) > 16 || strings.ContainsAny(span, "，。、；：！？")) {
			continue
		}
		return true
	}
	return false
}

// hanCount counts the Chinese characters of s: what a distance means when
// spam pads words with symbols or pinyin.
func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if match.IsHan(r) {
			n++
		}
	}
	return n
}

func baseOf(e WordEntry) string {
	if e.Base != "" {
		return e.Base
	}
	return e.Word
}

// siteCode reports a run of 2 to 8 ASCII letters and digits, with at least
// one digit, at the start of s (spaces allowed before it), that is not a
// number with a unit (金沙2024年, 银河3家).
func siteCode(s string) bool {
	s = strings.TrimLeft(s, " \u3000")
	n, digits, letters := 0, 0, 0
	for n < len(s) && n <= 8 {
		c := s[n]
		if c >= '0' && c <= '9' {
			digits++
		} else if c|0x20 >= 'a' && c|0x20 <= 'z' {
			letters++
		} else {
			break
		}
		n++
	}
	if n < 2 || n > 8 || digits == 0 {
		return false
	}
	if letters == 0 {
		r, _ := utf8.DecodeRuneInString(s[n:])
		if strings.ContainsRune("年月日号元万亿个人家户期届次名位%.", r) {
			return false
		}
	}
	return true
}

// ArchivalYears is how old a document's own date must be for it to count
// as archival (a republished 1964 report).
const ArchivalYears = 30

// Archival reports whether a document is dated decades before now: its
// title or the first 300 characters of its text (the texts given) carry a
// date (1964年12月21日, 一九六四年…, or a year 1964年) at least
// ArchivalYears old, and no recent date comes before it there. The year is
// returned.
func Archival(now time.Time, texts ...string) (bool, int) {
	limit := now.Year() - ArchivalYears
	for _, head := range texts {
		n, i := 0, 0
		for i < len(head) && n < 300 {
			_, size := utf8.DecodeRuneInString(head[i:])
			i += size
			n++
		}
		head = head[:i]
		for _, f := range dates.Find(head, dates.Options{Now: now}) {
			if f.Inferred {
				continue
			}
			y := f.Date.Year()
			if y > limit {
				break
			}
			return true, y
		}
		if y, ok := yearOnly(head); ok && y <= limit {
			return true, y
		}
	}
	return false, 0
}

// hanDigits are the Chinese numerals of years written 一九六四年.
var hanDigits = map[rune]int{'〇': 0, '零': 0, '○': 0, 'Ｏ': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// yearOnly finds years written alone, as report headings date themselves:
// 1964年, 一九六四年 ("1964年12月" without a day is common too). The text
// is read in place, the last four runes before each 年 kept in a ring (a
// []rune of each text was 21 MB of a 20,000-page run).
func yearOnly(s string) (int, bool) {
	var last [4]rune
	n := 0 // runes read
	for _, r := range s {
		if r == '年' && n >= 4 {
			y, ok := 0, true
			for k := range 4 {
				d, isDigit := hanDigits[last[(n+k)%4]]
				if !isDigit {
					ok = false
					break
				}
				y = y*10 + d
			}
			if ok && y >= 1900 {
				return y, true
			}
		}
		last[n%4] = r
		n++
	}
	return yearDigits(s)
}

func yearDigits(s string) (int, bool) {
	for i := 0; i+7 <= len(s); i++ {
		if s[i] != '1' || s[i+1] != '9' {
			continue
		}
		if i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			continue
		}
		d := s[i : i+4]
		if d[2] < '0' || d[2] > '9' || d[3] < '0' || d[3] > '9' || !strings.HasPrefix(s[i+4:], "年") {
			continue
		}
		y := int(d[0]-'0')*1000 + int(d[1]-'0')*100 + int(d[2]-'0')*10 + int(d[3]-'0')
		return y, true
	}
	return 0, false
}

// JudgeTypo ranks one wrong form: a historical usage in an archival
// document is low ("archival"). Without a context rule or a severity of its
// own, so are the pairs a list cannot confirm ("word"): a wrong form that is
// itself a common word (人材, 持续的), a pair that differs only in 的/地/得
// (不断的努力 is right before a noun: 持续不断的努力), and, in the user's
// lists, a wrong form of two characters, which can be half of another
// phrase (有控 in 有保有控).
func JudgeTypo(e TypoEntry, archival bool) (finding.Severity, string) {
	if e.Historical && archival {
		return finding.Low, "archival"
	}
	if e.After != nil || e.Before != nil || e.Serious || e.Ranked {
		return e.Severity, ""
	}
	if realWord(e.Wrong) || particleOnly(e.Wrong, e.Right) {
		return finding.Low, "word"
	}
	if !strings.HasPrefix(e.Pack, "builtin:") && utf8.RuneCountInString(e.Wrong) <= 2 {
		return finding.Low, "short"
	}
	return e.Severity, ""
}

// particleOnly reports whether wrong and right differ only in the
// structural particles 的, 地, 得.
func particleOnly(wrong, right string) bool {
	a, b := []rune(wrong), []rune(right)
	if len(a) != len(b) {
		return false
	}
	differ := false
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		if !strings.ContainsRune("的地得", a[i]) || !strings.ContainsRune("的地得", b[i]) {
			return false
		}
		differ = true
	}
	return differ
}

// realWord: the wrong form is a word of the lexicon, or a word followed or
// preceded by a structural particle (持续的 for 持续地).
func realWord(w string) bool {
	lex := match.Words()
	if lex.Has(w) {
		return true
	}
	for _, p := range []string{"的", "地", "得"} {
		if s, ok := strings.CutSuffix(w, p); ok && (lex.Has(s) || utf8.RuneCountInString(s) == 1) {
			return true
		}
		if s, ok := strings.CutPrefix(w, p); ok && (lex.Has(s) || utf8.RuneCountInString(s) == 1) {
			return true
		}
	}
	return false
}
