package fleet

import (
	"strings"

	"github.com/gomicro/gomicro/generator"
)

// maskSecrets replaces in text (a dry run's diff) each secret answer the
// upgrade renders with generator.SecretShown: the files may hold it, the
// terminal never shows it. A secret the files held before (rotated since)
// is not known, so not masked.
func maskSecrets(text string, tmpl *generator.Template, answers generator.Answers) string {
	for _, q := range tmpl.Questions {
		if v, ok := answers[q.Name].(string); ok && q.Secret && v != "" {
			text = strings.ReplaceAll(text, v, generator.SecretShown)
		}
	}
	return text
}
