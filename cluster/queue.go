package cluster

import "time"

// siteBusy returns, for each site, the last time a worker running an item
// of the run in that site showed life (any event of a claimed item: its
// claim, its hosts' events, its beats).
func (t *tracker) siteBusy() map[string]time.Time {
	busy := map[string]time.Time{}
	for _, it := range t.items {
		if it.claimed && it.lastSeen.After(busy[it.site]) {
			busy[it.site] = it.lastSeen
		}
	}
	return busy
}

// waitingSince is when an unclaimed item started waiting for a worker: its
// publication, or later, the last sign of life of a worker busy with
// another item of its site (busy, from siteBusy). A large run's items
// queue behind the site's workers, each taking a few at a time: they wait
// as long as those workers are alive, and StartTimeout ends them only once
// no worker of the site has been heard from for that long.
func waitingSince(it *runItem, busy map[string]time.Time) time.Time {
	if b := busy[it.site]; b.After(it.published) {
		return b
	}
	return it.published
}
