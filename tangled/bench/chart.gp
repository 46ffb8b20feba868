# chart.gp: gnuplot -e "data='...'; set terminal ...; set output '...'" chart.gp
set datafile separator "\t"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [0.5:*]
set ylabel "times the best program (log scale)"
set grid ytics
set key outside top center horizontal
set xtics scale 0 font ",9"
plot for [column = 2:7] data using column:xticlabels(1) title columnheader(column)
