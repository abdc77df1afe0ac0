package gitrepo

import "strings"

// Config is `git config --get key` run in dir ("" is the current
// directory): the value as the person's git sees it there, from the
// repository that holds dir (found as Find finds it) and their global and
// system config. An unset key is an *Error too (git exits 1), as is a
// missing git.
func Config(dir, key string) (string, error) {
	out, err := git(dir, nil, nil, "config", "--get", key)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
