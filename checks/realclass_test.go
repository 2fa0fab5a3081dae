package checks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xunjian/xunjian/finding"
)

// The classes of issue 15, one case each: what real government text must
// not raise, and what real spam must.
func TestRealTextClasses(t *testing.T) {
	dir := t.TempDir()
	words := filepath.Join(dir, "words.txt")
	os.WriteFile(words, []byte("作爱\tporn\n戒严\tpolitical\thigh\n性服务\tporn\n性交\tporn\n维吾\tcustom\n赌博\tgambling\n法轮功\tcult\n台独\tcustom\thigh\n"), 0o644)
	typos := filepath.Join(dir, "typos.txt")
	os.WriteFile(typos, []byte("峻工\t竣工\n生体\t身体\n蔘加\t参加\n人材\t人才\n不断的努力\t不断地努力\t100\n有控\t有空\t100\n"), 0o644)
	cs := contentChecks(t, []string{words}, []string{typos})
	worst := func(check, text string) finding.Severity {
		var w finding.Severity
		for _, f := range runContent(map[string]Check{"sensitive-word": cs["sensitive-word"], "typo": cs["typo"], "privacy": cs["privacy"]}, text) {
			if f.Check == check && (w == "" || f.Severity.Rank() > w.Rank()) {
				w = f.Severity
			}
		}
		return w
	}
	for _, tc := range []struct {
		name, check, text string
		want              finding.Severity // "" for no finding
	}{
		{"punctuation-not-noise", "sensitive-word", "做好各项工作。爱国卫生运动要常态化开展", ""},
		{"comma-not-noise", "sensitive-word", "坚决依法惩戒，严厉查处违法行为", ""},
		{"inside-words-producer-services", "sensitive-word", "加快发展生产性服务业", ""},
		{"inside-words-transaction-cost", "sensitive-word", "降低制度性交易成本", ""},
		{"inside-words-uyghur", "sensitive-word", "新疆维吾尔自治区人民政府", ""},
		{"crackdown-mention", "sensitive-word", "扫除黄赌毒、赌博等社会丑恶现象，严厉打击赌博违法犯罪", finding.Info},
		{"anti-cult-mention", "sensitive-word", "向群众宣传邪教“法轮功”的危害，引导群众崇尚科学", finding.Info},
		{"spam-plain", "sensitive-word", "澳门博彩官方网站", finding.High},
		{"spam-pinyin-interleaved", "sensitive-word", "澳(ao)门(men)博(bo)彩(cai)", finding.High},
		{"spam-emoji", "sensitive-word", "澳❤门😀博．彩", finding.High},
		{"spam-homophone", "sensitive-word", "澳门菠菜网址", finding.High},
		{"spam-latin", "sensitive-word", "最新澳门博cai", finding.High},
		{"spam-reversed", "sensitive-word", "彩博门澳", finding.High},
		{"brand-with-code", "sensitive-word", "金沙js35官网", finding.High},
		{"brand-county", "sensitive-word", "金沙县新增高标准农田2.3万亩", ""},
		{"brand-year", "sensitive-word", "金沙2024年新建冷链仓储设施", ""},
		{"spam-after-copied-title", "sensitive-word", "打击治理跨境赌博专项行动成效显著-凯发app官网开户", finding.High},
		{"porn-title", "sensitive-word", "国产精品一区二区_久久精品_亚洲天堂", finding.High},
		{"trade-text-not-porn-title", "sensitive-word", "对欧美、日韩等传统市场出口保持增长", ""},
		{"typo-across-punctuation", "typo", "当前形势严峻，工作任务繁重", ""},
		{"typo-across-words", "typo", "加强教育卫生体育事业", ""},
		{"typo-folds-to-suggestion", "typo", "欢迎参加本次活动", ""},
		{"typo-real-word", "typo", "引进高层次人材", finding.Low},
		{"typo-particle-only", "typo", "为实现这一目标而进行持续不断的努力", finding.Low},
		{"typo-short-user-pair", "typo", "我们坚持有扶有控，促进结构调整", finding.Low},
		{"traditional-notice", "sensitive-word", "近期，我縣網絡兼職刷單詐騙、網絡貸款詐騙警情多發", finding.Info},
		{"cue-at-paragraph-start", "sensitive-word", "二、虚假投资理财。不法分子主要是通过搭建虚假投资理财网站、APP，以高收益为诱饵，前期收益可提现的方式，诱使受害人不断加大投入，再以操作错误、交手续费等为由实施作案。切记：投资理财请认准正规银行等途径，炒虚拟币、炒期货、赌博网站类项目都不可信", finding.Info},
		{"notice-title", "sensitive-word", "【反诈小案例】民警成功拦截一起案件。李先生用手机浏览视频时，发现了一款刷单返利软件，便下载软件后进行充值", finding.Info},
		{"notice-title-spam-kept", "sensitive-word", "【反诈小案例】民警成功拦截一起案件。刷单返利官网：www.example.com", finding.High},
		{"serious-archival", "typo", "（一九六四年十二月二十一日）美帝国主义在南朝鲜推行侵略政策", finding.Low},
		{"serious-current", "typo", "2026年南朝鲜方面表示", finding.Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := worst(tc.check, tc.text); got != tc.want {
				t.Errorf("%s on %q: worst %q, want %q", tc.check, tc.text, got, tc.want)
			}
		})
	}
}
