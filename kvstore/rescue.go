package kvstore

import (
	"errors"
	"strings"
)

// rescueMarker precedes the rescue file's name in the error Close returns
// when it could not save over a file changed on disk (see rescueLocked).
const rescueMarker = "this store's state is saved in "

// RescueFile returns the file that Close wrote this store's state to
// because the data file had changed on disk, as named in err, Close's
// error; or "" if err names none.
func RescueFile(err error) string {
	if !errors.Is(err, ErrConflict) {
		return ""
	}
	msg := err.Error()
	i := strings.LastIndex(msg, rescueMarker)
	if i < 0 {
		return ""
	}
	return msg[i+len(rescueMarker):]
}
