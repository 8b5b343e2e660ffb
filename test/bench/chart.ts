import * as echarts from 'echarts';

export interface LoadPoint {
  concurrency: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * Ack latency against load as an SVG (Apache ECharts, rendered on the server without a browser):
 * p50 and p99 latency by number of clients, with the throughput each load reached.
 */
export function latencyChartSvg(points: readonly LoadPoint[], title: string): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 760, height: 380 });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', top: 2, textStyle: { fontSize: 14 } },
    legend: { top: 30, data: ['p50 ms', 'p99 ms', 'commands/s'] },
    grid: { left: 60, right: 70, top: 84, bottom: 50 },
    xAxis: { type: 'category', name: 'clients', nameLocation: 'middle', nameGap: 30, data: points.map((p) => String(p.concurrency)) },
    yAxis: [
      { type: 'value', name: 'ack latency (ms)' },
      { type: 'value', name: 'commands/s', position: 'right' },
    ],
    series: [
      { name: 'p50 ms', type: 'line', data: points.map((p) => p.p50), symbolSize: 7 },
      { name: 'p99 ms', type: 'line', data: points.map((p) => p.p99), symbolSize: 7 },
      { name: 'commands/s', type: 'bar', yAxisIndex: 1, data: points.map((p) => Math.round(p.perSecond)), itemStyle: { opacity: 0.35 }, barWidth: '30%' },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
