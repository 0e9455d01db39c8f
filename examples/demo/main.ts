console.log('demo not built yet')
