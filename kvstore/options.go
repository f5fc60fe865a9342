package kvstore

import "time"

// DefaultSaveInterval is the periodic save interval used when
// Options.SaveInterval is zero.
const DefaultSaveInterval = time.Minute

// Options configures Open. The zero value, and a nil *Options, give the
// defaults: periodic save every minute, read-write.
type Options struct {
	// AlwaysSave makes every Set, SetRaw and Delete durable on disk before it
	// returns. Writers that arrive while a save is running share the next
	// one. When false, changes are saved by the periodic saver, by Flush and
	// by Close.
	AlwaysSave bool

	// SaveInterval is how often the background saver writes pending changes.
	// Zero means DefaultSaveInterval; a negative value disables the periodic
	// saver (changes are then saved only by AlwaysSave, Flush and Close).
	// The saver does nothing while there are no pending changes.
	SaveInterval time.Duration

	// ReadOnly opens the file for reading only. No lock is taken, so any
	// number of read-only stores may view a file that a writer owns; every
	// change returns ErrReadOnly. Reload picks up what the writer saved.
	ReadOnly bool

	// WriteReadOnlyFile lets saves replace a data file that has no write
	// permission bit (see ErrReadOnlyFile); the new file keeps that mode.
	// False refuses such saves. SetWriteReadOnlyFile changes it later, as
	// a program does once its user said yes.
	WriteReadOnlyFile bool

	// Validate, when set, is asked about every value before a write
	// accepts it: Set and SetRaw pass the key and the value's compact JSON,
	// Rename the new key and the value it would move. A non-nil error
	// refuses the write, which returns it wrapped and changes nothing.
	// Values read from the file are not checked. Validate is called
	// without the store's lock held, possibly from several goroutines at
	// once; it must not write to the store. The kvstore/schema package
	// provides one that checks JSON Schemas chosen by key pattern.
	Validate func(key string, raw []byte) error
}

func (o *Options) saveInterval() time.Duration {
	if o.SaveInterval == 0 {
		return DefaultSaveInterval
	}
	return o.SaveInterval
}
