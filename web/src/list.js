// useList keeps a server list's filters, sort and page in the URL's query
// (so a list can be bookmarked, shared and opened in another tab) and loads
// the page the query names.
import { ref, reactive, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { get } from './api.js';

export function useList(path, { filters: names = [], defaults = {}, pageSize = 20, transform, fetcher } = {}) {
  const route = useRoute();
  const router = useRouter();
  const rows = ref([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref(null);
  const filters = reactive({});
  const state = reactive({ page: 1, pageSize, sort: '' });
  let seq = 0;

  function read() {
    const q = route.query;
    for (const n of names) filters[n] = q[n] !== undefined ? String(q[n]) : (defaults[n] ?? '');
    state.page = Number(q.page) || 1;
    state.pageSize = Number(q.page_size) || pageSize;
    state.sort = q.sort ? String(q.sort) : (defaults.sort || '');
  }

  function params() {
    const p = { page: state.page, page_size: state.pageSize };
    if (state.sort) p.sort = state.sort;
    for (const n of names) if (filters[n] !== '' && filters[n] !== undefined && filters[n] !== null) p[n] = filters[n];
    return p;
  }

  async function load() {
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    try {
      const p = params();
      const q = transform ? transform(p) : p;
      const data = fetcher ? await fetcher(q) : await get(typeof path === 'function' ? path() : path, q);
      if (mine !== seq) return;
      rows.value = data.items || [];
      total.value = data.total || 0;
    } catch (err) {
      if (mine !== seq) return;
      rows.value = [];
      total.value = 0;
      error.value = err;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  function push(changes) {
    const q = { ...route.query, ...changes };
    for (const [k, v] of Object.entries(q)) if (v === '' || v === null || v === undefined || v === false) delete q[k];
    if (q.page === 1 || q.page === '1') delete q.page;
    if (String(q.page_size) === String(pageSize)) delete q.page_size;
    router.push({ path: route.path, query: q });
  }

  const apply = () => push({ ...Object.fromEntries(names.map((n) => [n, filters[n]])), page: 1 });
  const reset = () => push({ ...Object.fromEntries(names.map((n) => [n, ''])), page: 1 });
  const setPage = (p) => push({ page: p });
  const setPageSize = (s) => push({ page_size: s, page: 1 });
  const setSort = (s) => push({ sort: s, page: 1 });

  read();
  watch(() => route.query, () => { read(); load(); });
  load();
  return { rows, total, loading, error, filters, state, load, apply, reset, setPage, setPageSize, setSort, params };
}
