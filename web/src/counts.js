// Work-list counts for the navigation: the server's GET /api/v1/worklist.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { get } from './api.js';

export const useCounts = defineStore('counts', () => {
  const counts = ref({});
  let seq = 0;

  async function refresh() {
    const mine = ++seq;
    const out = {};
    try {
      for (const it of (await get('/api/v1/worklist')).items || []) out[it.key] = it.count;
    } catch {
      // counts are a convenience: the pages work without them
    }
    if (mine === seq) counts.value = out;
  }

  function clear() { counts.value = {}; }
  return { counts, refresh, clear };
});
