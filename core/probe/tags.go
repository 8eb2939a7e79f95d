package probe

import "slices"

// Encode maps tags to class labels: classes is the sorted set of distinct tags and labels[i] is the index of
// tags[i] in it.
func Encode(tags []string) (labels []int, classes []string) {
	classes = slices.Clone(tags)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	labels = make([]int, len(tags))
	for i, t := range tags {
		labels[i], _ = slices.BinarySearch(classes, t)
	}
	return labels, classes
}
