(function(){var root=document.documentElement;
function set(l){root.classList.toggle('en',l==='en');root.lang=l;}
set(location.hash==='#en'?'en':'id');
document.getElementById('lang').addEventListener('click',function(){set(root.classList.contains('en')?'id':'en');});})();
