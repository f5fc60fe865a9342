package kvstore

import (
	"os"
	"runtime/debug"
)

// mapMin is the least size of a data file that ReadKey maps into memory
// rather than reads. A smaller file is read, as before: the copy the
// mapping saves is worth tens of milliseconds only on a large file.
const mapMin = 1 << 20

// findInMapped is findInFile for a data file of the operating system's,
// mapped into memory instead of read, so that no copy of the file is made
// and the parts of the scan fault its pages in on every core at once. ok
// is false, and findInFile reads the file instead, if the file is small,
// is not a regular file, cannot be mapped (or not on this system), or was
// cut short by another program while it was scanned: a mapping then has
// no page where the file's end was, and a read of it faults, which the
// scan catches (see catchFault). An error from the scan of a file that
// changed since it was mapped is no error of the file's either: it was
// scanned as it was being rewritten. The read that follows finds what it
// holds now.
func findInMapped(path, key string, withID bool) (got KeyRead, info os.FileInfo, id string, err error, ok bool) {
	data, info, unmap := mapFile(path)
	if data == nil {
		return KeyRead{}, nil, "", nil, false
	}
	defer unmap()
	if afterMapping != nil {
		afterMapping()
	}
	var serr *scanError
	faulted := catchFault(func() {
		if withID {
			id = contentID(data)
		}
		got.Value, got.Found, serr = findMember(data, key)
		if serr != nil && serr != errFault {
			err = serr.syntaxError(path, data) // reads data for the line and column
		}
	})
	if faulted || serr == errFault {
		return KeyRead{}, nil, "", nil, false
	}
	if err != nil {
		if now, serr := os.Stat(path); serr != nil || !sameFile(now, info) {
			return KeyRead{}, nil, "", nil, false
		}
		return KeyRead{}, nil, "", err, true
	}
	return got, info, id, nil, true
}

// afterMapping, if not nil, runs between the mapping of the file and its
// scan: a test's way to cut the file short there.
var afterMapping func()

// errFault ends a scan of findMember's in which a part faulted.
var errFault = &scanError{msg: "the mapped file was cut short while it was read"}

// catchFault runs f and reports whether it read memory that is not there,
// such as the pages of a mapped file past the end another program has
// since cut it to, which would otherwise end the program with SIGBUS. A
// panic of another kind goes on.
func catchFault(f func()) (faulted bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); !ok {
				panic(r)
			}
			faulted = true
		}
	}()
	f()
	return false
}
