// The browser UI: Vue 3 + Element Plus + ECharts, routes in the URL's hash
// (the server needs no fallback route), the session shared between tabs.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import './app.css';
import App from './App.vue';
import { i18n, lang } from './i18n.js';
import { router } from './router.js';
import { connect } from './api.js';
import { useSession } from './stores.js';

document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(i18n);
app.use(ElementPlus);
const session = useSession(pinia);
connect({
  token: () => session.token,
  expired: () => {
    if (!session.current) return;
    const back = router.currentRoute.value;
    session.expire();
    if (back.name !== 'login') router.replace({ name: 'login', query: { next: back.fullPath } });
  },
});
window.addEventListener('chuangdai:signedout', () => router.replace({ name: 'login' }));
app.use(router);
app.mount('#app');
