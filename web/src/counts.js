// The navigation's counts: the work lists (GET /api/v1/worklist) and the
// inbox's unread notifications.
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
    try {
      out.unread = (await get('/api/v1/notifications/unread-count')).unread;
    } catch {
      // the badge is a convenience too
    }
    if (mine === seq) counts.value = out;
  }

  function clear() { counts.value = {}; }
  return { counts, refresh, clear };
});
