package generator

import "github.com/spf13/afero"

// What the external tests (package generator_test) reach of the package's
// internals; gomicro's own code does not use these names.
var (
	BaseFiles      = baseFiles
	GitKeys        = gitKeys
	ReleaseVersion = releaseVersion
)

const ManifestFormat = manifestFormat

// PlanUpgrade is planUpgrade for a project whose version control ignores
// nothing.
func PlanUpgrade(ours afero.Fs, dir string, old *Manifest, base map[string]File, theirs *Tree, label string) (*Plan, error) {
	return planUpgrade(ours, dir, old, base, theirs, label, nil, nil)
}

// PlanUpgradeCommitted is PlanUpgrade for a project git holds: committed
// are the files of its index, as they are on disk.
func PlanUpgradeCommitted(ours afero.Fs, dir string, old *Manifest, base map[string]File, theirs *Tree, label string, committed map[string]Committed) (*Plan, error) {
	return planUpgrade(ours, dir, old, base, theirs, label, nil, committed)
}
