package rules

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
)

// How a user's word list ranks: third-party lexicons (one word a line, tens
// of thousands of entries) were written for chat and comment moderation
// and list the vocabulary of government itself — 有关部门, 国家安全,
// 全国人民代表大会, 500, 1978年. Entries with no severity of their own are
// ranked by what they are.
type userRank int

const (
	userKept     userRank = iota // ranked by its category
	userNumber                   // a number or date alone: skipped
	userOrdinary                 // a word or phrase of ordinary language: low
	userInherits                 // contains a built-in word: takes its category
)

// rankUserWord ranks one entry of a user's word pack (not the built-in
// packs), changing its category and severity where the rules say so.
//
//   - A number or a date alone (500, ６．４, 1978年, 12月26日, 25周年) is skipped:
//     it is in every statistic.
//   - An entry with no category that contains a word of the built-in spam
//     categories (澳门博彩网址 holds 澳门博彩) takes that word's category
//     and severity: a longer user entry must not hide the built-in one.
//   - Without a severity of its own, an entry that is a word of the
//     language (人民, 招聘, 邪教), a phrase of such words (有关部门,
//     全国|人民代表大会, 为|人民|服务) or a Latin word of up to three
//     letters (info, CPC, QQ) ranks low — unless one of its words is
//     spam vocabulary: a word the built-in packs list on its own (百家乐,
//     私服, 裸聊) or a call to action government text does not make (官网, 网址,
//     开户).
//
// Entries are read as the matcher reads them: separators lexicons put
// between characters (专/业, 共.产.党) and marks at either end (文化大革命**,
// 40=) are skipped.
func rankUserWord(e *parsedWord, spam *spamKnowledge) userRank {
	if spam == nil {
		spam = &spamKnowledge{}
	}
	word := match.Pattern(e.Word)
	if numberOrDate(word) {
		return userNumber
	}
	if !e.category {
		if b, ok := spam.contained(word); ok {
			e.Category = b.Category
			if !e.severity {
				e.Severity = b.Severity
			}
			return userInherits
		}
	}
	if e.severity || e.Severity.Rank() <= finding.Low.Rank() {
		return userKept
	}
	if ordinaryEntry(word, spam.vocab) {
		e.Severity = finding.Low
		return userOrdinary
	}
	return userKept
}

// numberOrDate: digits, with date, number and unit characters around them
// (1978年, 25周年, 13亿), and nothing else.
func numberOrDate(w string) bool {
	digits := 0
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' || r == '/' || r == '-' || r == ':' || r == ',' || r == ' ' || r == '%':
		case strings.ContainsRune("年月日号周岁届次个元点时分秒期万亿千百", r):
		default:
			return false
		}
	}
	return digits > 0
}

// functionCost is the cost (idf × 10) under which a one-character word is
// a function word of phrases (的 是 为 在 有 新), not content.
const functionCost = 40

// ordinaryEntry: a word of the lexicon; a Latin word of up to 3 letters;
// two Chinese characters that are no word of the lexicon (维稳, 四风, 中澳:
// too short to tell, like one character); or a phrase segmenting into
// words of the lexicon with at least as many words of two or more
// characters as content characters standing alone (中国|梦, 反|分裂,
// 全国|人民代表大会; function characters 的 是 为 在 do not count) — and
// none of its words spam vocabulary.
func ordinaryEntry(w string, vocab map[string]bool) bool {
	if w == "" {
		return false
	}
	latin, han := true, 0
	for _, r := range w {
		if r >= unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			latin = false
		}
		if match.IsHan(r) {
			han++
		}
	}
	if latin {
		return utf8.RuneCountInString(w) <= 3
	}
	lex := match.Words()
	if lex.Has(w) {
		return true
	}
	if han != utf8.RuneCountInString(w) {
		return false // letters or digits mixed in: a code, a brand
	}
	if han == 2 {
		return true
	}
	words, singles := 0, 0
	for _, t := range lex.Segment(w) {
		if !t.Known || vocab[t.Word] {
			return false
		}
		switch {
		case utf8.RuneCountInString(t.Word) >= 2:
			words++
		case t.Cost >= functionCost:
			singles++
		}
	}
	return words > 0 && singles <= words
}

// spamKnowledge is what the built-in packs know of spam: their entries of
// the spam categories, to find inside user entries, and its vocabulary:
// the words the packs list on their own (百家乐, 私服, 裸聊, 代孕) and the
// calls to action (官网, 网址, 开户).
type spamKnowledge struct {
	m       *match.Matcher
	entries []WordEntry
	vocab   map[string]bool
}

// spamCategories are the categories whose built-in words mark spam.
var spamCategories = map[string]bool{"gambling": true, "porn": true, "fraud": true, "game": true, "seo": true, "violence": true, "cult": true, "reactionary": true}

var builtinSpam = sync.OnceValue(func() *spamKnowledge {
	k := &spamKnowledge{vocab: map[string]bool{}}
	for _, w := range []string{"官网", "网址", "开户", "加微"} {
		k.vocab[w] = true // calls to action that government text does not use
	}
	b, err := builtin()
	if err != nil {
		return k
	}
	var words []string
	lex := match.Words()
	for _, e := range b.Words {
		if e.Base != "" || e.Weak || !spamCategories[e.Category] {
			continue
		}
		k.entries = append(k.entries, e)
		words = append(words, e.Word)
		if w := match.FoldString(e.Word); lex.Has(w) {
			k.vocab[w] = true // listed on its own: 百家乐, 私服, 裸聊
		}
	}
	k.m, _ = match.BuildWith(words, match.Options{Plain: true})
	return k
})

// contained returns a built-in spam entry inside w, the longest.
func (k *spamKnowledge) contained(w string) (WordEntry, bool) {
	if k == nil || k.m == nil {
		return WordEntry{}, false
	}
	best, found := WordEntry{}, false
	for _, x := range k.m.FindAll([]byte(w)) {
		e := k.entries[x.Word]
		if !found || len(e.Word) > len(best.Word) {
			best, found = e, true
		}
	}
	return best, found
}
