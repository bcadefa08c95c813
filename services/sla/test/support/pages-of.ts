/** An array as the pages a repository walk yields, for fakes of the repository. */
export async function* pagesOf<T>(items: readonly T[], pageSize: number): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += pageSize) yield items.slice(i, i + pageSize);
}
