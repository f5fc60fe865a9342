package kvstore

import "errors"

// RescueFile returns the file that Close (or an Open that found a journal
// written against another version of the data file) wrote this store's
// state to, as err reports it; "" if err is not a *RescueError.
func RescueFile(err error) string {
	var re *RescueError
	if errors.As(err, &re) {
		return re.File
	}
	return ""
}
