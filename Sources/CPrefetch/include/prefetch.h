#ifndef OATHCTL_PREFETCH_H
#define OATHCTL_PREFETCH_H

/*
 * A CPU prefetch hint, which Swift has no spelling for: starts loading the cache line at `address`
 * without waiting for it. `validate` uses it for the serial table's slot (a random line in a table
 * of tens of megabytes for a million serials) before checking the row, so the load overlaps that work.
 */
static inline void oathctl_prefetch(const void *address) { __builtin_prefetch(address); }

#endif
