package rules

import (
	"strings"
	"testing"
)

// The context rules on real shapes: a notice names what it warns about at
// the start of its paragraph or in the paragraph above; traditional pages
// read like simplified ones; spam lines are judged alone; a call to action
// glued to the word makes it an advertisement.
func TestMention(t *testing.T) {
	for _, tc := range []struct {
		name, text, word string
		cue              string // "" for not a mention
	}{
		{"same-sentence-before", "严厉打击利用网络开设赌场、组织网络赌博等违法犯罪", "网络赌博", "打击"},
		{"later-in-sentence", "我县网络兼职刷单诈骗警情多发", "刷单", "诈骗"},
		{"traditional-cue", "近期,我縣網絡兼職刷單詐騙、網絡貸款詐騙警情多發", "刷單", "诈骗"},
		{"traditional-crackdown", "此次集中行動重點檢查娛樂場所,嚴厲打擊傳播淫穢色情視頻等有害信息", "色情視頻", "打击"},
		{"start-of-paragraph", "二、虚假投资理财。不法分子主要是通过搭建虚假投资理财网站、APP,以高收益为诱饵,前期收益可提现的方式,诱使受害人不断加大投入,再以操作错误、交手续费等为由实施作案。切记:投资理财请认准正规银行、有资质的证券公司等途径,炒虚拟币、炒期货、赌博网站类项目都不可信", "赌博网站", "虚假"},
		{"paragraph-above-prose", "案例三 网络兼职刷单诈骗\n2022年7月29日，市民吴女士在微信群看到一则兼职刷单的广告，对方称", "兼职刷单", "诈骗"},
		{"spam-line-alone", "严厉打击跨境赌博\n真人百家乐_老虎机_电子游艺", "百家乐", ""},
		{"no-cue", "欢迎来到真人百家乐，首存即送", "百家乐", ""},
		{"cta-glued-in-title", "打击治理跨境赌博专项行动成效显著-凯发app官网开户", "凯发", ""},
		{"cta-glued-in-prose", "严厉打击网络赌博。百家乐官方网址：www.example.com，欢迎注册", "百家乐", ""},
		{"cta-far-in-prose", "警方提示:发现一款刷单返利软件，便下载软件后进行充值的，都是诈骗", "刷单返利", "诈骗"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := strings.Index(tc.text, tc.word)
			if i < 0 {
				t.Fatalf("%q not in text", tc.word)
			}
			cue, ok := Mention(tc.text, i, i+len(tc.word))
			if ok != (tc.cue != "") || cue != tc.cue {
				t.Errorf("Mention = %q, %v; want %q", cue, ok, tc.cue)
			}
		})
	}
}

func TestAdvertises(t *testing.T) {
	for _, tc := range []struct {
		text, word string
		want       bool
	}{
		{"打击治理跨境赌博专项行动成效显著-凯发app官网开户", "凯发", true},
		{"澳门新葡京 最新网址 vip客户专用线路", "新葡京", true},
		{"百家乐官方网址：www.example.com，欢迎注册", "百家乐", true},
		{"发现了一款刷单返利软件，便下载软件后进行充值", "刷单返利", false},
		{"在计算机网络上建立赌博网站，或者为赌博网站担任代理，接受投注的", "赌博网站", false},
		{"警方提示：诱导受害人下载刷单返利APP进行充值的，都是诈骗。", "刷单返利", false},
		{"刷单返利app下载_日赚500_秒到账", "刷单返利", true},
	} {
		i := strings.LastIndex(tc.text, tc.word)
		if got := advertises(tc.text, i, i+len(tc.word)); got != tc.want {
			t.Errorf("advertises(%q at %q) = %v, want %v", tc.text, tc.word, got, tc.want)
		}
	}
}

func TestNoticeTitle(t *testing.T) {
	for _, tc := range []struct {
		title string
		want  bool
	}{
		{"最高人民法院、最高人民检察院关于办理赌博刑事案件具体应用法律若干问题的解释", true},
		{"【反诈小案例】争分夺秒,紧急阻断——淄博高青公安为群众成功拦截止损3万余元", true},
		{"麻陽嚴打手機網站製作傳播淫穢色情信息行為", true},
		{"2023年县人民政府工作报告", false},
		{"国产精品一区二区_久久精品_亚洲天堂", false},
		{strings.Repeat("严厉打击", 40), false}, // not a title
	} {
		if _, ok := NoticeTitle(tc.title); ok != tc.want {
			t.Errorf("NoticeTitle(%.40q) = %v, want %v", tc.title, ok, tc.want)
		}
	}
}
