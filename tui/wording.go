package tui

// wording holds the phrases that depend on where the data lives: a file
// someone may edit on disk, or shared data other clients write.
type wording struct {
	data        string // what the data is called: "the file", "the data"
	changed     string // status bar: changed elsewhere with changes pending
	refreshed   string // status message: changed elsewhere, view updated
	conflict    string // the conflict screen's title
	again       string // its title when it changed again while choosing
	theirs      string // who the other side is, in the conflict summary
	quitChanged string // the question when quitting with a conflict unsettled
	// editChanged is the editor's notice that its value changed
	// underneath it; %s is the apply key.
	editChanged string
	// overwrite asks before writing ours over their changes; %s is how
	// many keys they changed. overwriteKey is the help of its key.
	overwrite    string
	overwriteKey string
	// choose asks for a choice per collision on the conflict screen.
	choose string
}

var (
	fileWording = wording{
		data:        "the file",
		changed:     "the file changed on disk (ctrl+s to resolve)",
		refreshed:   "the file changed on disk; view updated",
		conflict:    "The file changed on disk since it was loaded.",
		again:       "The file changed again; new collisions need a choice.",
		theirs:      "The file",
		quitChanged: "The file changed on disk. Quit and keep your version in a new file beside it?",
		// The file's change was read in: applying replaces it unasked.
		editChanged:  "changed in the file since you opened it — %s puts yours over it",
		overwrite:    "Replace the file with yours, dropping its changes to %s?",
		overwriteKey: "overwrite file",
		choose:       "For each key, keep your value (mine) or the file's (theirs):",
	}
	sharedWording = wording{
		data:        "the data",
		changed:     "another client changed these keys (ctrl+s to resolve)",
		refreshed:   "another client changed the data; view updated",
		conflict:    "Another client changed keys you changed since you saw them.",
		again:       "Another client changed them again; new collisions need a choice.",
		theirs:      "Others",
		quitChanged: "Another client changed keys you changed. Quit and drop your unsaved changes?",
		// etcd refuses the write: the revision moved.
		editChanged:  "changed by another client since you opened it — %s will show the conflict",
		overwrite:    "Write yours over the other clients' changes to %s?",
		overwriteKey: "overwrite theirs",
		choose:       "For each key, keep your value (mine) or the other client's (theirs):",
	}
)

// wordingFor returns the phrases for src.
func wordingFor(src Source) *wording {
	if isShared(src) {
		return &sharedWording
	}
	return &fileWording
}

// isShared reports whether other clients share src's data.
func isShared(src Source) bool {
	s, ok := src.(sharedSource)
	return ok && s.Shared()
}
