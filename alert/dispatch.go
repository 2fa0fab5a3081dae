package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/history"
)

// Dispatcher queues messages for every channel in the history's outbox and
// delivers them, retrying with backoff; it also decides which problems
// alert: once when new, reminders at most every Reminder, a resolved
// message when fixed. Its state lives in the database, so restarts neither
// repeat nor lose alerts.
type Dispatcher struct {
	Store    *history.Store
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

// Notify queues m for every channel; it only writes to the database.
func (d *Dispatcher) Notify(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	for _, c := range d.Channels {
		if err := d.Store.Enqueue(ctx, c.Name(), string(body), d.now()); err != nil {
			return err
		}
	}
	return nil
}

// Deliver sends the messages that are due; a failure is logged and retried
// later (1 min, doubling, capped at MaxBackoff).
func (d *Dispatcher) Deliver(ctx context.Context) (sent, failed int) {
	due, err := d.Store.Due(ctx, d.now(), 100)
	if err != nil {
		d.log().Error("alert outbox", "err", err)
		return 0, 0
	}
	byName := map[string]Channel{}
	for _, c := range d.Channels {
		byName[c.Name()] = c
	}
	for _, it := range due {
		c, ok := byName[it.Channel]
		if !ok {
			continue // a channel removed from the config keeps its messages
		}
		var m Message
		if err := json.Unmarshal([]byte(it.Payload), &m); err != nil {
			d.Store.Delivered(ctx, it.ID)
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := c.Send(sctx, m)
		cancel()
		if err != nil {
			failed++
			wait := time.Minute << min(it.Attempts, 10)
			if max := d.MaxBackoff; max > 0 && wait > max {
				wait = max
			}
			d.log().Warn("alert not delivered", "channel", c.Name(), "attempt", it.Attempts+1, "retry_in", wait, "err", err)
			d.Store.Retry(ctx, it.ID, d.now().Add(wait), err.Error())
			continue
		}
		d.Store.Delivered(ctx, it.ID)
		sent++
	}
	return sent, failed
}

// AfterRun queues the daily digest, alerts for new real-time problems,
// reminders for open ones, and resolved messages for fixed ones.
func (d *Dispatcher) AfterRun(ctx context.Context, name, site string, rep *finding.Report, fixed []finding.Finding, link string, digest bool) error {
	if digest {
		if err := d.Notify(ctx, Digest(name, rep, len(fixed), link)); err != nil {
			return fmt.Errorf("digest: %w", err)
		}
	}
	now := d.now()
	for _, f := range rep.Findings {
		if !Realtime(f) {
			continue
		}
		key := "finding:" + site + ":" + f.ID
		st, ok, err := d.Store.Alert(ctx, key)
		if err != nil {
			return err
		}
		switch {
		case !ok || st.Resolved:
			err = d.Notify(ctx, NewProblem(name, f, link, false))
		case d.Reminder > 0 && now.Sub(st.LastSent) >= d.Reminder:
			err = d.Notify(ctx, NewProblem(name, f, link, true))
		default:
			continue // alerted already, reminder not due
		}
		if err != nil {
			return err
		}
		if err := d.Store.SetAlert(ctx, key, site, now, false); err != nil {
			return err
		}
	}
	for _, f := range fixed {
		key := "finding:" + site + ":" + f.ID
		st, ok, err := d.Store.Alert(ctx, key)
		if err != nil {
			return err
		}
		if !ok || st.Resolved {
			continue
		}
		if err := d.Notify(ctx, ProblemFixed(name, f)); err != nil {
			return err
		}
		if err := d.Store.SetAlert(ctx, key, site, now, true); err != nil {
			return err
		}
	}
	return nil
}

// AfterProbe alerts when the last DownAfter probes all failed, reminds
// while it stays down, and says when the homepage is back.
func (d *Dispatcher) AfterProbe(ctx context.Context, name, site, home string, ok bool, reason string) error {
	key := "down:" + site
	st, sent, err := d.Store.Alert(ctx, key)
	if err != nil {
		return err
	}
	open := sent && !st.Resolved
	now := d.now()
	if ok {
		if !open {
			return nil
		}
		if err := d.Notify(ctx, HomepageUp(name, home)); err != nil {
			return err
		}
		return d.Store.SetAlert(ctx, key, site, now, true)
	}
	recent, err := d.Store.RecentProbes(ctx, site, max(d.DownAfter, 1))
	if err != nil {
		return err
	}
	if len(recent) < d.DownAfter {
		return nil
	}
	for _, r := range recent {
		if r {
			return nil
		}
	}
	if open && (d.Reminder == 0 || now.Sub(st.LastSent) < d.Reminder) {
		return nil
	}
	if err := d.Notify(ctx, HomepageDown(name, home, len(recent), reason)); err != nil {
		return err
	}
	return d.Store.SetAlert(ctx, key, site, now, false)
}
