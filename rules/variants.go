package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/xunjian/xunjian/match"
)

// homophones are the character swaps spam uses to slip past word lists
// (澳门菠菜 for 澳门博彩, 六和彩 for 六合彩, 涩情 for 色情), as seen on
// hacked pages and spam sites; one swap per variant.
var homophones = map[rune][]rune{
	'博': {'菠', '搏', '铂'}, '彩': {'菜', '采'}, '赌': {'堵', '睹', '渡'}, '澳': {'奥', '噢'}, '门': {'們', '扪'}, '葡': {'蒲', '莆'},
	'京': {'亰'}, '娱': {'渔', '虞'}, '乐': {'楽'}, '合': {'和', '盒', '河'}, '六': {'陆'}, '色': {'涩', '瑟'},
	'情': {'晴'}, '黄': {'簧'}, '裸': {'倮'}, '约': {'月'}, '炮': {'泡'}, '贷': {'袋', '代'},
	'款': {'欵'}, '投': {'头'}, '注': {'住'}, '场': {'厂'}, '棋': {'琪', '旗'}, '牌': {'排'},
	'私': {'丝'}, '服': {'伏'}, '奇': {'琦'}, '淫': {'婬', '银'}, '妓': {'伎'}, '嫖': {'漂'},
	'毒': {'独'}, '枪': {'抢'}, '码': {'玛', '马'}, '精': {'菁'}, '品': {'吕'}, '成': {'丞'},
	'人': {'仁'}, '网': {'罔', '枉'}, '址': {'趾', '址'}, '官': {'倌'}, '开': {'幵'}, '户': {'沪', '护'},
	'册': {'策'}, '平': {'苹'}, '台': {'抬', '苔'}, '真': {'珍'}, '体': {'休'}, '育': {'玉'},
	'球': {'求'}, '金': {'今', '锦'}, '沙': {'纱', '砂'}, '银': {'垠'}, '河': {'合'}, '利': {'莉', '俐'},
	'新': {'薪', '鑫'}, '威': {'葳', '崴'}, '尼': {'妮', '泥'}, '斯': {'思'}, '皇': {'凰', '煌'}, '冠': {'官'},
	'太': {'泰'}, '阳': {'杨', '洋'}, '城': {'成'}, '百': {'佰', '柏'}, '家': {'佳', '加'}, '老': {'佬'},
	'虎': {'琥'}, '机': {'肌'}, '刷': {'唰'}, '单': {'丹'}, '兼': {'监'}, '职': {'只'},
	'口': {'扣'}, '子': {'仔'}, '征': {'正', '证'}, '信': {'芯', '心'}, '传': {'船'}, '游': {'油'},
	'戏': {'细'}, '视': {'示', '试'}, '频': {'平', '贫'}, '线': {'限', '现'}, '看': {'堪'}, '片': {'骗'},
}

// variantCategories get generated variants: what spam disguises.
var variantCategories = map[string]bool{"gambling": true, "porn": true, "fraud": true, "game": true, "seo": true, "violence": true, "cult": true}

// Variants generates, from every Chinese pack entry of the spam
// categories, the disguises spam uses: full pinyin (aomenbocai, entries of
// three or more characters), one character written in pinyin (澳门博cai,
// bo彩, 澳门bo彩), two at either end (澳门bocai), one homophone swap
// (澳门菠菜) and, for entries of three or more characters, the reversed
// text (彩博门澳). Variants already in the list
// (or spelling another entry) are left out; each names its base entry.
func Variants(words []WordEntry) []WordEntry {
	seen := make(map[string]bool, len(words)*8)
	for _, w := range words {
		seen[match.FoldString(w.Word)] = true
	}
	readings := newPinyinTable()
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
				py[i] = readings.of(r)
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
			// One character in pinyin (澳门博cai, bo彩, 澳门bo彩).
			add(w, string(rs[:i])+py[i]+string(rs[i+1:]), "latin")
			for _, h := range homophones[r] {
				if h == r {
					continue
				}
				alt := append([]rune{}, rs...)
				alt[i] = h
				add(w, string(alt), "homophone")
			}
		}
		// Two characters in pinyin at either end (澳门bocai, aomen博彩).
		if han == len(rs) && han >= 3 && py[0] != "" && py[1] != "" && py[len(rs)-2] != "" && py[len(rs)-1] != "" {
			add(w, string(rs[:len(rs)-2])+py[len(rs)-2]+py[len(rs)-1], "latin")
			add(w, py[0]+py[1]+string(rs[2:]), "latin")
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
