package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"github.com/xunjian/xunjian/match"
)

// homophones are the character swaps spam uses to slip past word lists
// (澳门菠菜 for 澳门博彩, 六和彩 for 六合彩, 涩情 for 色情), as seen on
// hacked pages and spam sites; one swap per variant.
var homophones = map[rune][]rune{
	'博': {'菠', '搏', '铂'}, '彩': {'菜', '采'}, '赌': {'堵', '睹', '渡'}, '澳': {'奥', '噢'},
	'门': {'們', '扪'}, '葡': {'蒲', '莆'}, '京': {'亰'}, '娱': {'渔', '虞'}, '乐': {'楽'},
	'合': {'和', '盒', '河'}, '六': {'陆'}, '色': {'涩', '瑟'}, '情': {'晴'}, '黄': {'簧'},
	'裸': {'倮'}, '约': {'月'}, '炮': {'泡'}, '贷': {'袋', '代'}, '款': {'欵'}, '投': {'头'},
	'注': {'住'}, '场': {'厂'}, '棋': {'琪', '旗'}, '牌': {'排'}, '私': {'丝'}, '服': {'伏'},
	'奇': {'琦'}, '淫': {'婬', '银'}, '妓': {'伎'}, '嫖': {'漂'}, '毒': {'独'}, '枪': {'抢'},
	'码': {'玛', '马'}, '精': {'菁'}, '品': {'吕'}, '成': {'丞'}, '人': {'仁'}, '视': {'视'},
}

// variantCategories get generated variants: what spam disguises.
var variantCategories = map[string]bool{"gambling": true, "porn": true, "fraud": true, "game": true, "seo": true, "violence": true, "cult": true}

// Variants generates, from every Chinese pack entry of the spam
// categories, the disguises spam uses: full pinyin (aomenbocai, entries of
// three or more characters), one character written in pinyin (澳门博cai,
// bo彩), one homophone swap (澳门菠菜) and, for entries of three or more
// characters, the reversed text (彩博门澳). Variants already in the list
// (or spelling another entry) are left out; each names its base entry.
func Variants(words []WordEntry) []WordEntry {
	seen := make(map[string]bool, len(words)*8)
	for _, w := range words {
		seen[match.FoldString(w.Word)] = true
	}
	args := pinyin.NewArgs()
	var out []WordEntry
	add := func(base WordEntry, word, how string) {
		key := match.FoldString(word)
		if seen[key] || utf8.RuneCountInString(key) < 2 {
			return
		}
		seen[key] = true
		v := base
		v.Word, v.Base, v.Variant = word, base.Word, how
		out = append(out, v)
	}
	for _, w := range words {
		if w.Base != "" || !variantCategories[w.Category] {
			continue
		}
		rs := []rune(w.Word)
		han := 0
		py := make([]string, len(rs))
		for i, r := range rs {
			if match.IsHan(r) {
				han++
				if p := pinyin.SinglePinyin(r, args); len(p) > 0 {
					py[i] = p[0]
				}
			}
		}
		if han < 2 {
			continue
		}
		// Full pinyin, only when every character has one.
		if han == len(rs) && han >= 3 {
			full := strings.Join(py, "")
			if len(full) >= 8 && !strings.Contains(strings.Join(py, " "), "  ") {
				add(w, full, "pinyin")
			}
		}
		for i, r := range rs {
			if py[i] == "" {
				continue
			}
			// One character in pinyin, only at an end (澳门博cai, bo彩), so
			// the Latin part has a word boundary on the text side too.
			if i == len(rs)-1 || i == 0 {
				add(w, string(rs[:i])+py[i]+string(rs[i+1:]), "latin")
			}
			for _, h := range homophones[r] {
				if h == r {
					continue
				}
				alt := append([]rune{}, rs...)
				alt[i] = h
				add(w, string(alt), "homophone")
			}
		}
		if han == len(rs) && han >= 3 {
			rev := make([]rune, len(rs))
			for i, r := range rs {
				rev[len(rs)-1-i] = r
			}
			add(w, string(rev), "reversed")
		}
	}
	return out
}
