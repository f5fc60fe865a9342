package tui

import (
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Changes that wait because the cluster is out of reach (a save error
// wrapping kvstore.ErrUnreachable) are saved again by themselves: a timer runs a save,
// through the write queue like ctrl+s, after 1s, then 2s, 4s and so on up
// to retryMax between attempts, until nothing waits any more or the
// changes fail for another reason (a conflict, which ctrl+s settles).
const (
	retryFirst = time.Second
	retryMax   = 15 * time.Second
)

// unreachableText is what the status bar calls the state of changes that
// wait for the cluster.
const unreachableText = "unreachable"

// unreachable reports whether a save error means the changes wait for
// the cluster.
func unreachable(err error) bool { return errors.Is(err, kvstore.ErrUnreachable) }

// retryState is the automatic retry's timer.
type retryState struct {
	armed bool          // a timer is running
	id    int           // tags the timer, so that a stale one does nothing
	delay time.Duration // the wait before the attempt now scheduled
}

// retryTickMsg is a retry timer going off.
type retryTickMsg struct{ id int }

// waitingForCluster reports whether changes wait for the cluster.
func (m *Model) waitingForCluster() bool {
	return m.src.Pending() > 0 && unreachable(m.src.LastSaveError())
}

// scheduleRetry starts the retry timer when changes wait for the cluster
// and none runs, each time waiting twice as long as before; once nothing
// waits, it stops the timer and the next wait starts short again.
func (m *Model) scheduleRetry() tea.Cmd {
	if !m.waitingForCluster() {
		m.retry = retryState{id: m.retry.id + 1}
		return nil
	}
	if m.retry.armed {
		return nil
	}
	m.retry.delay = min(max(2*m.retry.delay, retryFirst), retryMax)
	m.retry.armed = true
	m.retry.id++
	id := m.retry.id
	return m.tick(m.retry.delay, func(time.Time) tea.Msg { return retryTickMsg{id: id} })
}

// onRetryTick saves again, if changes still wait. Its outcome schedules
// the next attempt (see onOpDone).
func (m Model) onRetryTick(msg retryTickMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.retry.id {
		return m, nil
	}
	m.retry.armed = false
	if !m.waitingForCluster() {
		return m, m.scheduleRetry()
	}
	return m, m.enqueue(operation{kind: opSave})
}
