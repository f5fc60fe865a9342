// Package kvstore is an embedded, thread-safe key-value store whose whole
// state lives in one human-readable JSON file: an object mapping each key to
// any JSON value, created with sorted keys and two-space indentation so that
// it reads well, and saved by changing only the members that changed, so
// that it can be edited by hand and diffs cleanly in git.
//
//	store, err := kvstore.Open("settings.json", &kvstore.Options{AlwaysSave: true})
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	err = store.Set("theme", map[string]any{"name": "dark", "size": 14})
//
// # Values
//
// A value is encoded to JSON when it is stored and kept as compact JSON
// bytes. Later changes to the Go value passed to Set do not reach the store,
// a value that JSON cannot represent (a channel, NaN, a cycle) is refused by
// Set, and reading a value gives the same Go type whether or not the store
// was reopened in between. Get decodes the way encoding/json decodes into an
// interface{}; GetAs decodes into a type of the caller's choosing; GetRaw and
// the iterators return a copy of the JSON itself, and GetText the stored
// text, uncopied, as an immutable string.
//
// # Concurrency
//
// All methods may be called from any number of goroutines. Reads never wait
// for disk I/O: a save takes an O(1) copy-on-write snapshot under the lock
// and writes it outside the lock.
//
// One process at a time may open a file for writing: Open takes an advisory
// lock on a sidecar file (path + ".lock"), and a second writer, in the same
// process or another, gets a *LockedError, which wraps ErrLocked and names
// the holder's process id where the lock file records it. Stores opened with
// Options.ReadOnly take no lock and may view a file that a writer owns;
// because the data file is only ever replaced by rename, they always read a
// complete file. ReadKey reads one key the way such a store would, without
// building one: for a single value from a large file it costs a read and a
// check of the file instead of a load of every key.
//
// # Save strategies
//
// With Options.AlwaysSave, Set, SetRaw, Delete and Rename return only once
// their change is on disk, or return the save's error. A durable write does
// not rewrite the file: it appends one JSON line to a journal beside it
// (path + ".journal") and fsyncs it, and writers that arrive while an fsync
// is running share the next one (group commit), so a write costs the same
// whatever the store's size. The journal is allocated 64 KiB of zeros
// ahead of its appends, so an fsync writes the appended line and not the
// file's new size too; its length on disk is that room, and the zeros after
// its last line are not part of it (see RELIABILITY.md). The journal is folded into the data file in
// the background when it grows as large as the file, after a second without
// writes, by Flush and by Close: at rest the JSON file is complete and no
// journal exists. Open replays a journal left by a crash and folds it in;
// if there is no room to write the folded file, it opens anyway with every
// write and reports the error through LastSaveError. A write that changes
// nothing (a key set to its current value) still returns only once the
// write that made it so is on disk, and returns that write's error if it
// failed.
//
// A read-only store beside a writer that is compacting retries until it
// reads the file and the journals of one state; after 10 s of the writer
// replacing them it gives up with an error rather than show a mix.
//
// Otherwise changes are saved by a background saver every
// Options.SaveInterval (one minute by default), by Flush, and by Close. The
// saver does nothing while there are no pending changes. A failed save keeps
// the changes pending, is retried at the next tick, and is reported through
// Events and LastSaveError; Close returns the final save's error.
//
// # Durability
//
// A save writes a temporary file in the same directory, fsyncs it, renames
// it over the data file and fsyncs the directory, so a crash at any instant
// leaves either the old or the new complete file. Temporary files left by a
// crash are removed at the next Open. A new file gets mode 0644; an existing
// file keeps its permission bits and, on Unix, its owner and group. A user
// other than root who may not give the new file the old one's owner saves
// only when the file stays theirs (its group may change): replacing another
// user's file would take it from them, so that save fails, wrapping
// fs.ErrPermission, and the changes stay pending.
//
// A file with no write permission bit (chmod a-w) is not replaced unasked:
// saves, and always-save writes, fail with a *ReadOnlyFileError
// (ErrReadOnlyFile) until Options.WriteReadOnlyFile or SetWriteReadOnlyFile
// allows them, and the changes stay pending. The mode bits decide, not what
// the process may write, so root is asked too.
//
// A file bind-mounted on its own (docker run -v file:file, a Kubernetes
// subPath) cannot be renamed over. Open detects it (on Linux by its mount
// id, elsewhere by its device; a rename failing with EBUSY or EXDEV finds
// one too) and then writes it in place: the new content goes to a fsynced
// temp file first, then over the file's own content, which is truncated
// and fsynced. A crash during that copy can leave the file torn, with the
// complete content in the temp file beside it. Always-save writes to such
// a file skip the journal, which would be on the other side of the mount,
// and return once the file holds them.
//
// A save never overwrites changes made by someone else: if the file changed
// on disk since the store last read or wrote it (someone edited it by hand),
// the save fails with ErrConflict and the changes stay pending until the
// caller chooses Reload (take the file), Overwrite (replace it) or Merge
// (take the file and reapply this store's changes key by key; Conflict
// shows both sides first). Changes are detected by comparing the file's
// identity, size, modification time and, on Linux and macOS, inode change
// time (which a program that edits the file in place and puts its
// modification time back cannot set), before a save starts and again just
// before its rename; only an edit saved in the microseconds between that
// last look and the rename can still be replaced. File systems stamp these
// times from a clock that ticks every few milliseconds, so an in-place
// edit of the same size within that tick of the store's own save is not
// seen. Windows gives no change time through os.Stat: there an in-place
// edit that keeps the size and puts the modification time back is not
// detected. A change of the file's mode, owner, links or extended
// attributes (which some backup and indexing tools write) moves its change
// time too; when nothing else moved, the store reads the file and compares
// its content with what it last read or wrote (by size and CRC-32C), so
// that only a change of content is a conflict. A deleted file is a change
// too: it is written again only by Overwrite.
//
// Each journal records which content of the data file it was written
// against. If a crash leaves a journal that does not match the file found
// at the next Open (someone replaced or deleted the file while a conflict
// was unsettled), the journal is not replayed over it: the store opens with
// the file's content, the journal's state is written to
// FILE.unsaved-TIME.json beside it, and LastSaveError reports ErrConflict
// naming that file. A read-only Open makes the same check: it shows the
// file alone, a state that existed, writes nothing, and LastSaveError
// reports ErrConflict naming the journal.
//
// Until the journal is folded into the file, a write acknowledged in
// always-save mode is not pending (Pending is zero) but is not in the file
// either: NotInFile counts it. Reload drops it like a pending change, so a
// caller that reads the file again on seeing it changed (Changed) must
// check NotInFile, not Pending, and otherwise settle the conflict.
//
// Merge and Reload settle a conflict against a file the journal was not
// written for. Their save never marks the old journal as replayable over
// the new file, and they remove it, fsyncing the directory, before they
// return: a power cut after they return cannot bring it back. A crash in
// the instant between Merge's rename and that removal leaves the merged
// file and the old journal; the next Open keeps the file and writes the
// journal's state to a rescue file as above, so nothing is replayed over
// the merge (the rescue file may then repeat choices the merge already
// made). If the old journal cannot be removed, writes go on durably
// through whole-file saves until it can.
//
// On Linux and macOS the lock is flock(2) and the directory is fsynced. On
// Windows the lock is LockFileEx and directories cannot be fsynced, so a
// power cut right after a save may leave the previous file in place (never a
// partial one). On macOS every sync is F_FULLFSYNC, which also flushes the
// drive's own cache: as durable as Linux, but each always-save batch costs
// more there.
//
// # Links and shared directories
//
// If the data file's path is a symbolic link (a settings file linked in
// from a dotfiles repository, say), Open follows it, as the kernel does (a
// relative target from the link's real directory): saves replace the file
// it points to, atomically, and the link stays a link. The lock, journal,
// temp and rescue files all live beside that target, so two links to one
// file share one lock. Path returns the path as given, File the target.
//
// Every save, and every always-save write, first checks that the path still
// leads to that file. If another program replaced the link with a regular
// file (sed -i, an editor's rename-save) or pointed it elsewhere, Changed
// reports it and saves fail with ErrConflict, Overwrite included, since the
// store's lock and journal belong to the old file: reopen the path to work
// on the new one. Close then writes the store's state to a rescue file.
//
// Those sidecars are never reached through a link: a symbolic link, hard
// link, FIFO or anything but a regular file planted at a sidecar's name
// (in a directory others can write to) makes the operation fail with an
// error naming it, and nothing is written through it. They are opened with
// O_NOFOLLOW, new ones are created exclusively, and they get the data
// file's permission bits, so a 0600 file never gets a readable journal or
// rescue file. Windows has no O_NOFOLLOW: there a sidecar is checked with
// Lstat just before it is opened, which a link planted in that instant can
// defeat (creating links there takes a privilege most accounts lack).
//
// # Events
//
// Every completed save, whatever started it, is reported on the Events
// channel as a FlushEvent: when it finished, why it ran, how many keys and
// bytes it wrote, how long it took, and its error. Sending never blocks the
// store: a reader that falls behind loses older events, never the latest.
// Close closes the channel after the final save's event.
//
// # The file
//
// The data file is one JSON object. A file the store creates has its keys
// sorted bytewise, a member per line, two-space indentation, LF line ends
// and a final newline. A save keeps everything of the file but the members
// that changed: it copies the rest byte for byte (key order, spacing, number
// spellings, values written on one line, byte order mark, final newline or
// its absence) and writes a changed value in place of the old one, removes
// a deleted member with its comma, and adds a new member where its key
// belongs if the file's keys are sorted, else after the last member. New
// text takes the file's indentation unit (two spaces if it has none of 16
// columns or fewer) and line ends. Changing one value of a file, whoever
// wrote it, changes only that value's lines in a diff. A file written on
// one line, as the original library wrote them, is rewritten whole at the
// first save, in the layout of a file the store creates. Keys, All and
// Prefix are in key order whatever the order in the file.
//
// # Errors
//
// Invalid JSON, in the data file at Open or Reload or in the text given to
// SetRaw, is reported as a *SyntaxError with the line and column, and
// errors.Is(err, ErrCorrupt) holds. A control character inside a string
// is invalid; a byte inside a string that is not UTF-8 is not: the file,
// SetRaw and the etcd store (which validates values with the same Compact)
// accept it as encoding/json's Valid does, keep it in keys and values, and
// a save writes it back unchanged. Get decodes such a byte as U+FFFD, as
// encoding/json does; GetRaw, Keys and Scan return it as it is, and the
// terminal UI and the command line show it as \xNN on a terminal. A key
// with a \u escape of a lone UTF-16 surrogate is refused, since no Go
// string can keep it. A store never writes over a file it could
// not parse: Open fails and the file is left as it was. An empty file, or
// one holding only white space, is an empty store; a file whose top-level
// value is not an object is an error.
//
// # Backends
//
// Store is the API an application uses, on a file or on another backend
// (kvstore/etcdstore). Backend is what the terminal UI and the command
// line use: staged writes, pending changes, conflicts and their settling,
// and a rescue file where a backend's Close would drop changes. *KVStore
// implements both; so does etcdstore's Backend, and kvstore/storetest
// checks any backend against the contract.
package kvstore
