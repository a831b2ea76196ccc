package outbox

import (
	"context"
	"sync"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
)

// maxGroup bounds how many workers' steps share one transaction.
const maxGroup = 64

// committer runs the workers' steps (record the email the server accepted, check the next
// one) in shared transactions. A worker hands in its step and waits until it is committed, so
// every email is still recorded before that worker's next SMTP conversation and at most one
// per worker can repeat after a crash; but workers arriving together share one commit — one
// WAL flush on Postgres — instead of paying one each (group commit).
type committer struct {
	w    *store.OutboxSender
	now  func() time.Time
	reqs chan stepCall
	done chan struct{}
}

type stepCall struct {
	req   store.StepRequest
	reply chan stepResult
}

type stepResult struct {
	st  store.Step
	err error
}

// committers is how many groups may be committing at once: while one commits, the workers
// that finish meanwhile form the next group. One: with two, the drip benchmark formed groups
// half the size and sent fewer emails a second at every worker count.
const committers = 1

func startCommitter(ctx context.Context, w *store.OutboxSender, now func() time.Time) *committer {
	c := &committer{w: w, now: now, reqs: make(chan stepCall, maxGroup), done: make(chan struct{})}
	var wg sync.WaitGroup
	for range committers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx)
		}()
	}
	go func() {
		wg.Wait()
		close(c.done)
	}()
	return c
}

// submit hands in one worker's step, to be committed together with whatever other workers
// hand in meanwhile; the result arrives on the channel once it is committed. The worker may
// prepare its next email meanwhile, but starts no SMTP conversation before the result.
func (c *committer) submit(req store.StepRequest) <-chan stepResult {
	reply := make(chan stepResult, 1)
	c.reqs <- stepCall{req: req, reply: reply}
	return reply
}

// stop ends the committer once no worker uses it any more.
func (c *committer) stop() {
	close(c.reqs)
	<-c.done
}

func (c *committer) run(ctx context.Context) {
	for call := range c.reqs {
		calls := c.gather(call)
		reqs := make([]store.StepRequest, len(calls))
		for i, x := range calls {
			reqs[i] = x.req
		}
		sts, err := c.w.Steps(ctx, reqs, c.now())
		for i, x := range calls {
			r := stepResult{err: err}
			if err == nil {
				r.st = sts[i]
			}
			x.reply <- r
		}
	}
}

// gather adds the steps other workers are already waiting to hand in.
func (c *committer) gather(first stepCall) []stepCall {
	calls := []stepCall{first}
	for len(calls) < maxGroup {
		select {
		case x, ok := <-c.reqs:
			if !ok {
				return calls
			}
			calls = append(calls, x)
		default:
			return calls
		}
	}
	return calls
}
