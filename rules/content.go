// Package rules holds xunjian's rule packs: the sensitive words, the typos
// and the serious wording the content checks look for, their file formats,
// the packs built in, and the `content:` section of the configuration that
// says which packs to load and what is allowed.
package rules

import (
	"fmt"
	"strings"

	"github.com/xunjian/xunjian/config/section"
)

// Validate checks the content section's values. It reads no file: the
// packs it names are checked where they are loaded (LoadPacks).
func (c *Content) Validate(p *section.Problems) {
	p.Between("context_chars", c.ContextChars, 0, 200)
	if c.MaxAttachmentBytes <= 0 {
		p.Bad("max_attachment_bytes", "应大于 0")
	}
	c.Extract.Validate(p.Sub("extract"))
	for i, phrase := range c.Allow.Phrases {
		if strings.TrimSpace(phrase) == "" {
			p.Bad(fmt.Sprintf("allow.phrases[%d]", i), "不能为空")
		}
	}
}
