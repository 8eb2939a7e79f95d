module bertology

go 1.26.8
