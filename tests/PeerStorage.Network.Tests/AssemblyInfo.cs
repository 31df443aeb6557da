// One lab at a time: the scenarios measure discovery times, and two CPU-bound labs at once on a small machine would
// measure the scheduler instead.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
