import { memo } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { dateTime, tick } from '../format';

export interface Series {
  key: string;
  label: string;
  color: string;
}

interface Props {
  data: ReadonlyArray<{ t: number } & Record<string, number>>;
  series: readonly Series[];
  from: number;
  to: number;
  kind?: 'area' | 'bar';
  height?: number;
  label: string;
}

/**
 * Stacked counts on a numeric epoch-ms axis. Live data: no animation, no dots;
 * the caller passes the core's bucketed points unchanged (≤ 500).
 */
export const TimeSeries = memo(function TimeSeries({ data, series, from, to, kind = 'area', height = 180, label }: Props) {
  const fmt = tick(to - from);
  const Chart = kind === 'bar' ? BarChart : AreaChart;
  const axis = (
    <XAxis
      dataKey="t"
      type="number"
      scale="time"
      domain={[from, to]}
      tickFormatter={fmt}
      stroke="var(--muted)"
      fontSize={11}
      minTickGap={40}
      allowDataOverflow
    />
  );
  const y = <YAxis allowDecimals={false} stroke="var(--muted)" fontSize={11} width={40} />;
  const grid = <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />;
  const tip = (
    <Tooltip
      labelFormatter={(v) => dateTime(Number(v))}
      contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 6, fontSize: 12 }}
      isAnimationActive={false}
    />
  );
  const legend = <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />;
  return (
    <figure className="chart" aria-label={label} role="img">
      <ResponsiveContainer width="100%" height={height}>
        <Chart accessibilityLayer={false} data={data as object[]} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          {grid}
          {axis}
          {y}
          {tip}
          {legend}
          {series.map((s) =>
            kind === 'bar' ? (
              <Bar key={s.key} dataKey={s.key} name={s.label} stackId="1" fill={s.color} isAnimationActive={false} />
            ) : (
              <Area
                key={s.key}
                type="monotone"
                dataKey={s.key}
                name={s.label}
                stackId="1"
                stroke={s.color}
                fill={s.color}
                fillOpacity={0.35}
                dot={false}
                activeDot={false}
                isAnimationActive={false}
              />
            ),
          )}
        </Chart>
      </ResponsiveContainer>
    </figure>
  );
});

export const STATUS_SERIES: Series[] = [
  { key: 'ok', label: 'OK', color: 'var(--ok)' },
  { key: 'warning', label: 'Warning', color: 'var(--warning)' },
  { key: 'critical', label: 'Critical', color: 'var(--critical)' },
];

export const SEVERITY_SERIES: Series[] = [
  { key: 'info', label: 'Info', color: 'var(--info)' },
  { key: 'warning', label: 'Warning', color: 'var(--warning)' },
  { key: 'critical', label: 'Critical', color: 'var(--critical)' },
];
