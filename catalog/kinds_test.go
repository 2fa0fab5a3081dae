package catalog

import (
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/finding"
)

func TestFix(t *testing.T) {
	for _, tc := range []struct {
		name       string
		f          finding.Finding
		label, fix string
	}{
		{"broken-link-404", finding.Finding{Check: "broken-link", Kind: "not-found"}, "页面不存在（404）", "删除该链接，或替换为正确的地址"},
		{"broken-link-unknown-kind", finding.Finding{Check: "broken-link", Kind: "teapot"}, "链接不可用", "删除该链接，或替换为可用的地址"},
		{"firewall", finding.Finding{Check: "broken-link", Kind: "firewall"}, "巡检被网站防火墙拦截", "在网站防火墙中将巡检程序加入白名单（见证据），再重新巡检"},
		{"typo", finding.Finding{Check: "typo", Kind: "typo", Details: map[string]any{"wrong": "截止", "right": "截至"}}, "疑似错别字", "替换为“截至”后重新发布"},
		{"serious", finding.Finding{Check: "typo", Kind: "serious", Details: map[string]any{"wrong": "中华人民共合国", "right": "中华人民共和国"}},
			"严重表述错误", "立即将“中华人民共合国”替换为“中华人民共和国”后重新发布"},
		{"privacy-attachment", finding.Finding{Check: "privacy", Kind: "id-card", Details: map[string]any{"where": "attachment"}},
			"居民身份证号码", "撤下该附件，打码后重新发布（如 532627********1234）"},
		{"privacy-scanned-file", finding.Finding{Check: "privacy", Kind: "id-card", Page: "file:///home/u/%E5%90%8D%E5%8D%95.xlsx", Details: map[string]any{"where": "attachment"}},
			"居民身份证号码", "发布前删除或打码遮盖（如 532627********1234）"},
		{"privacy-scanned-file-default-kind", finding.Finding{Check: "privacy", Kind: "passport", Page: "file:///tmp/a.txt", Details: map[string]any{"where": "attachment"}},
			"个人信息泄露", "发布前删除或打码遮盖"},
		{"privacy-scanned-url", finding.Finding{Check: "privacy", Kind: "bank-card", Page: "https://x.gov.cn/a.xlsx", Details: map[string]any{"where": "attachment"}},
			"银行卡号", "撤下该附件，打码后重新发布"},
		{"privacy-page", finding.Finding{Check: "privacy", Kind: "mobile", Details: map[string]any{"where": "body"}}, "手机号码", "撤下该页面，打码后重新发布（如 138****5678）"},
		{"stale-column", finding.Finding{Check: "stale-column", Kind: "stale", Details: map[string]any{"column": "工作动态"}}, "栏目超期未更新", "更新栏目“工作动态”，或按规定撤并该栏目"},
		{"sensitive-word-from-match", finding.Finding{Check: "sensitive-word", Kind: "gambling", Match: "澳门博彩"}, "敏感词（赌博）", "核实后删除含“澳门博彩”的内容；属正常表述的标记忽略"},
		{"missing-detail", finding.Finding{Check: "blank-column", Kind: "blank"}, "空白栏目", "为栏目补充内容，或撤并该栏目"},
		{"hostile-detail", finding.Finding{Check: "blank-column", Kind: "blank", Details: map[string]any{"column": "栏\x1b[2J目"}}, "空白栏目", "为栏目“栏[2J目”补充内容，或撤并该栏目"},
		{"dark-link", finding.Finding{Check: "dark-link", Kind: "display-none"}, "暗链（display:none 隐藏）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		{"unreadable-attachment", finding.Finding{Check: "attachment", Kind: "attachment-unreadable"}, "附件无法读取，未检查", "人工打开该文件检查；文件损坏的重新上传"},
		{"unknown-check", finding.Finding{Check: "future-check", Kind: "x"}, "x", "按问题说明整改"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindLabel(tc.f.Check, tc.f.Kind); got != tc.label {
				t.Errorf("KindLabel = %q, want %q", got, tc.label)
			}
			if got := Fix(tc.f); got != tc.fix {
				t.Errorf("Fix = %q, want %q", got, tc.fix)
			}
		})
	}
}

// TestKindTexts: every entry has a Chinese label and a fix that fits on
// one line.
func TestKindTexts(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}`)
	for check, byKind := range kinds {
		for kind, k := range byKind {
			if !han.MatchString(k.label) || !han.MatchString(k.fix) || len([]rune(k.fix)) > 60 {
				t.Errorf("%s/%s: %+v: want a Chinese label and a one-line Chinese fix", check, kind, k)
			}
		}
	}
}

// TestEmittedKindsListed reads the product's source for the kinds its
// findings are made with — Kind: "…" in a finding.Finding literal, a
// string given to a helper's kind parameter, kind := "…" — and checks
// that each is listed in the table (so has its own label and fix) under
// its finding name when the literal names it (Check: catalog.X), under
// some finding name otherwise. Kinds made from variables (crawler
// classes, dark-link techniques, personal data kinds) are checked by
// checks' TestEmittedKindsLabelled.
func TestEmittedKindsListed(t *testing.T) {
	names := map[string]string{
		"Connectivity": Connectivity, "BrokenLink": BrokenLink, "SensitiveWord": SensitiveWord, "Typo": Typo,
		"Privacy": Privacy, "DarkLink": DarkLink, "ExternalLink": ExternalLink, "StaleColumn": StaleColumn,
		"BlankColumn": BlankColumn, "Attachment": Attachment,
	}
	listedAnywhere := func(kind string) bool {
		for _, byKind := range kinds {
			if _, ok := byKind[kind]; ok && kind != "" {
				return true
			}
		}
		return false
	}
	found := 0
	check := func(pos string, check, kind string) {
		found++
		if check != "" {
			if _, ok := kinds[check][kind]; !ok {
				t.Errorf("%s: kind %q of %s is not in the kinds table", pos, kind, check)
			}
			return
		}
		if !listedAnywhere(kind) {
			t.Errorf("%s: kind %q is not in the kinds table", pos, kind)
		}
	}
	productSources(t, func(rel string, fset *token.FileSet, f *ast.File) {
		if strings.HasPrefix(rel, "store/") { // rows read back, and the stores' shared test cases
			return
		}
		str := func(e ast.Expr) (string, bool) {
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(lit.Value)
			return s, err == nil
		}
		// Helpers with a kind parameter, by name: the parameter's index.
		helpers := map[string]int{}
		kindParam := func(ft *ast.FuncType) int {
			i := 0
			for _, p := range ft.Params.List {
				for _, n := range p.Names {
					if n.Name == "kind" {
						return i
					}
					i++
				}
				if len(p.Names) == 0 {
					i++
				}
			}
			return -1
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if i := kindParam(n.Type); i >= 0 && n.Recv == nil {
					helpers[n.Name.Name] = i
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					id, ok := l.(*ast.Ident)
					if !ok || i >= len(n.Rhs) {
						continue
					}
					if fl, ok := n.Rhs[i].(*ast.FuncLit); ok {
						if j := kindParam(fl.Type); j >= 0 {
							helpers[id.Name] = j
						}
					}
				}
			}
			return true
		})
		// A helper's or a variable's kind counts in files that deal in
		// findings (crawler has kinds of its own).
		makesFindings := false
		for _, im := range f.Imports {
			if im.Path.Value == `"github.com/xunjian/xunjian/finding"` {
				makesFindings = true
			}
		}
		var loose [][2]string
		ast.Inspect(f, func(n ast.Node) bool {
			pos := func() string { return rel + ":" + strconv.Itoa(fset.Position(n.Pos()).Line) }
			switch n := n.(type) {
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Finding" {
					return true
				}
				var name, kind string
				var hasKind bool
				for _, e := range n.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					switch key, _ := kv.Key.(*ast.Ident); {
					case key == nil:
					case key.Name == "Check":
						if s, ok := kv.Value.(*ast.SelectorExpr); ok {
							if v, ok := names[s.Sel.Name]; ok {
								name = v
							} else {
								t.Errorf("%s: finding name catalog.%s unknown to this test", pos(), s.Sel.Name)
							}
						}
					case key.Name == "Kind":
						kind, hasKind = str(kv.Value)
					}
				}
				if hasKind {
					check(pos(), name, kind)
				}
			case *ast.CallExpr:
				id, ok := n.Fun.(*ast.Ident)
				if !ok {
					return true
				}
				if i, ok := helpers[id.Name]; ok && i < len(n.Args) {
					if s, ok := str(n.Args[i]); ok {
						loose = append(loose, [2]string{pos(), s})
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "kind" && i < len(n.Rhs) {
						if s, ok := str(n.Rhs[i]); ok {
							loose = append(loose, [2]string{pos(), s})
						}
					}
				}
			}
			return true
		})
		if makesFindings {
			for _, l := range loose {
				check(l[0], "", l[1])
			}
		}
	})
	// The checks' own literals alone are more than 20: a walk that found
	// few read the wrong tree.
	if found < 20 {
		t.Errorf("found only %d kinds in the source", found)
	}
}
