package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store"
)

// Dispatcher decides which problems alert — once when new, reminders at
// most every Reminder, a resolved message when fixed, homepage down after
// DownAfter failed probes — and delivers queued messages, retrying with
// backoff. Decisions read and write the alert state inside the caller's
// transaction (the one that saves the run or the probe) and return the
// messages to queue in that same transaction: the embedded service puts
// them in the store's outbox (Queue), the cluster inserts one River job per
// message. A crash therefore never keeps a run without its alerts or the
// reverse, and restarts neither repeat nor lose alerts.
type Dispatcher struct {
	Channels []Channel
	Now      func() time.Time
	Log      *slog.Logger
	// Reminder is the shortest interval between two alerts of one open problem.
	Reminder time.Duration
	// DownAfter is how many consecutive failed probes make the homepage down.
	DownAfter int
	// MaxBackoff caps the wait between delivery attempts.
	MaxBackoff time.Duration
}

// State is the alert state a decision reads and writes: a store transaction.
type State interface {
	Alert(ctx context.Context, key string) (store.AlertState, bool, error)
	SetAlert(ctx context.Context, key, site string, at time.Time, resolved bool) error
	RecentProbes(ctx context.Context, site string, n int) ([]bool, error)
}

// Outgoing is one message for one channel. Key is unique per (what caused
// it, channel, what it says): the idempotency key of its delivery.
type Outgoing struct {
	Channel string
	Key     string
	Message Message
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

// fanout addresses m to every channel; ref names what caused it (a run, a
// probe) and what says which message of it this is.
func (d *Dispatcher) fanout(out []Outgoing, ref, what string, m Message) []Outgoing {
	key := ref + ":" + what
	m.ID = key
	for _, c := range d.Channels {
		out = append(out, Outgoing{Channel: c.Name(), Key: key, Message: m})
	}
	return out
}

// Channel returns the configured channel of a name.
func (d *Dispatcher) Channel(name string) (Channel, bool) {
	for _, c := range d.Channels {
		if c.Name() == name {
			return c, true
		}
	}
	return nil, false
}

// Queue stores messages in the outbox of the transaction's store.
func Queue(ctx context.Context, tx store.Tx, out []Outgoing, at time.Time) error {
	for _, o := range out {
		body, err := json.Marshal(o.Message)
		if err != nil {
			return fmt.Errorf("alert %s: %w", o.Key, err)
		}
		if err := tx.Enqueue(ctx, store.OutboxMessage{Channel: o.Channel, Key: o.Key, Payload: string(body), At: at}); err != nil {
			return err
		}
	}
	return nil
}

// Outbox is the store's side of delivery.
type Outbox interface {
	Due(ctx context.Context, now time.Time, limit int) ([]store.OutboxItem, error)
	Delivered(ctx context.Context, id int64, at time.Time) error
	Retry(ctx context.Context, id int64, next time.Time, msg string) error
}

// Backoff is the wait before the next delivery attempt: 1 min, doubling,
// capped at MaxBackoff.
func (d *Dispatcher) Backoff(attempts int) time.Duration {
	wait := time.Minute << min(attempts, 10)
	if m := d.MaxBackoff; m > 0 && wait > m {
		wait = m
	}
	return wait
}

// Deliver sends the outbox messages that are due; a failure is logged and
// retried later (Backoff).
func (d *Dispatcher) Deliver(ctx context.Context, ob Outbox) (sent, failed int) {
	due, err := ob.Due(ctx, d.now(), 100)
	if err != nil {
		d.log().Error("alert outbox", "err", err)
		return 0, 0
	}
	for _, it := range due {
		c, ok := d.Channel(it.Channel)
		if !ok {
			continue // a channel removed from the config keeps its messages
		}
		var m Message
		if err := json.Unmarshal([]byte(it.Payload), &m); err != nil {
			ob.Delivered(ctx, it.ID, d.now())
			continue
		}
		if m.ID == "" {
			m.ID = it.Key
		}
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := c.Send(sctx, m)
		cancel()
		if err != nil {
			failed++
			wait := d.Backoff(it.Attempts)
			d.log().Warn("alert not delivered", "channel", c.Name(), "attempt", it.Attempts+1, "retry_in", wait, "err", err)
			if err := ob.Retry(ctx, it.ID, d.now().Add(wait), err.Error()); err != nil {
				d.log().Error("alert outbox", "err", err)
			}
			continue
		}
		if err := ob.Delivered(ctx, it.ID, d.now()); err != nil {
			d.log().Error("alert outbox", "err", err)
		}
		sent++
	}
	return sent, failed
}

// AfterRun decides the messages of a saved run (ref names it, e.g.
// "run:42"): the daily digest, alerts for new real-time problems, reminders
// for open ones, and resolved messages for fixed ones. It records the alert
// state in st.
func (d *Dispatcher) AfterRun(ctx context.Context, st State, ref, name, site string, rep *finding.Report, fixed []finding.Finding, link string, digest bool) ([]Outgoing, error) {
	var out []Outgoing
	if digest {
		out = d.fanout(out, ref, "digest", Digest(name, rep, len(fixed), link))
	}
	now := d.now()
	for _, f := range rep.Findings {
		if !Realtime(f) {
			continue
		}
		key := "finding:" + site + ":" + f.ID
		a, ok, err := st.Alert(ctx, key)
		if err != nil {
			return nil, err
		}
		switch {
		case !ok || a.Resolved:
			out = d.fanout(out, ref, "new:"+f.ID, NewProblem(name, f, link, false))
		case d.Reminder > 0 && now.Sub(a.LastSent) >= d.Reminder:
			out = d.fanout(out, ref, "reminder:"+f.ID, NewProblem(name, f, link, true))
		default:
			continue // alerted already, reminder not due
		}
		if err := st.SetAlert(ctx, key, site, now, false); err != nil {
			return nil, err
		}
	}
	for _, f := range fixed {
		key := "finding:" + site + ":" + f.ID
		a, ok, err := st.Alert(ctx, key)
		if err != nil {
			return nil, err
		}
		if !ok || a.Resolved {
			continue
		}
		out = d.fanout(out, ref, "fixed:"+f.ID, ProblemFixed(name, f))
		if err := st.SetAlert(ctx, key, site, now, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AfterProbe decides the messages of a recorded probe (ref names it, e.g.
// "probe:site:unixtime"): down when the last DownAfter probes all failed,
// reminders while it stays down, and back up.
func (d *Dispatcher) AfterProbe(ctx context.Context, st State, ref, name, site, home string, ok bool, reason string) ([]Outgoing, error) {
	key := "down:" + site
	a, sent, err := st.Alert(ctx, key)
	if err != nil {
		return nil, err
	}
	open := sent && !a.Resolved
	now := d.now()
	if ok {
		if !open {
			return nil, nil
		}
		return d.fanout(nil, ref, "up", HomepageUp(name, home)), st.SetAlert(ctx, key, site, now, true)
	}
	recent, err := st.RecentProbes(ctx, site, max(d.DownAfter, 1))
	if err != nil {
		return nil, err
	}
	if len(recent) < d.DownAfter {
		return nil, nil
	}
	for _, r := range recent {
		if r {
			return nil, nil
		}
	}
	if open && (d.Reminder == 0 || now.Sub(a.LastSent) < d.Reminder) {
		return nil, nil
	}
	return d.fanout(nil, ref, "down", HomepageDown(name, home, len(recent), reason)), st.SetAlert(ctx, key, site, now, false)
}
