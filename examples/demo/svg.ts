/** What the report's charts share: text escaping, number formatting and the cluster colours. */

const PALETTE = ['#2b8a3e', '#e8590c', '#1971c2', '#9c36b5', '#c92a2a']

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A coordinate or a figure, to one decimal. */
export const fmt = (n: number): string => (Math.round(n * 10) / 10).toString()

/** The colour of a cluster: by its place in `clusters` (grey for an unknown one). */
export function clusterColour(clusters: readonly string[], cluster: string): string {
  const i = clusters.indexOf(cluster)
  return i < 0 ? '#495057' : (PALETTE[i % PALETTE.length] as string)
}
